// What the frame benchmarks install in the page (`page.addInitScript(recorder)`), before it
// loads:
// - `__frames()` returns and clears, for every frame since the last call: its requestAnimationFrame
//   delta; its work, the main thread's time from the frame's start (the rAF timestamp, the same
//   for every callback of the frame, the page's own among them) to the end of its rendering (a
//   message posted from the frame's callback runs as the first task after the frame's style,
//   layout, paint and commit); and the messages drawn in flight.
// - `__paintedAfter(ready, since, timeoutMs)` resolves with the time from `since` to the end of
//   the first frame painted once `ready()` holds (null after `timeoutMs`).
// - `__wasm`: the page's WebAssembly exports (its memory), when Trunk's start-up event names them.
export function recorder() {
  window.addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; });
  let deltas = [];
  let work = [];
  let messages = [];
  let last = null;
  let start = null;
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    if (start !== null) work.push(performance.now() - start);
    start = null;
  };
  const tick = (t) => {
    if (last !== null) deltas.push(t - last);
    last = t;
    start = t;
    messages.push(document.querySelectorAll('#cluster [data-message]').length);
    channel.port2.postMessage(0);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.__frames = () => {
    const r = { deltas, work, messages };
    deltas = [];
    work = [];
    messages = [];
    return r;
  };
  window.__paintedAfter = (ready, since, timeoutMs) => new Promise((done) => {
    const check = () => {
      if (performance.now() - since > timeoutMs) return done(null);
      if (!ready()) return requestAnimationFrame(check);
      requestAnimationFrame(() => {
        const c = new MessageChannel();
        c.port1.onmessage = () => done(performance.now() - since);
        c.port2.postMessage(0);
      });
    };
    check();
  });
}

// The `p` quantile of `xs` (NaN for none).
export function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] : NaN;
}
