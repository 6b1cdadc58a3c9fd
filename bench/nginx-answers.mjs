/**
 * Answer framing for the bare bench clients (plain JS, no loader): nginx's answer to `GET /` is a
 * head with a Content-Length, then the body, and one request is in flight per socket at a time.
 */

/**
 * Calls `onAnswer()` each time a whole answer has been read from `socket`, `onError()` for data
 * that does not start with an HTTP head carrying a Content-Length.
 */
export function onAnswers(socket, onAnswer, onError) {
  let received = 0;
  let expected = -1;
  socket.on('data', (chunk) => {
    received += chunk.length;
    if (expected < 0) {
      const text = chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length:\s*(\d+)/i.exec(text);
      if (end < 0 || length === null) {
        received = 0;
        onError();
        return;
      }
      expected = end + 4 + Number(length[1]);
    }
    if (received < expected) return;
    received = 0;
    expected = -1;
    onAnswer();
  });
}
