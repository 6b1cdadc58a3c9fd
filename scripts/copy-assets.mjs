#!/usr/bin/env node
// `tsc` emits only compiled TypeScript; the status page's hand-written assets are copied here so
// that dist/ serves the same page as src/.
import { cpSync } from 'node:fs';

cpSync('src/status-page/assets', 'dist/status-page/assets', { recursive: true });
