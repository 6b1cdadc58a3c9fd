# perfwarden daemon image. Two stages: the build stage has the toolchain better-sqlite3 may need
# (when no prebuilt binary matches) and compiles TypeScript; the runtime stage carries only
# dist/, production node_modules and the shipped configs (Prometheus and Grafana mount the alert
# rules and dashboards from the repository themselves).
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# `npm ci` runs the package's `prepare`, which builds dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# 9464: /metrics, API, status page; 9465: the embedded demo target.
EXPOSE 9464 9465
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start", "--config", "config/default.yaml"]
