// Shared by the readers of V8 .cpuprofile files (profile-top.mjs, flamegraph.mjs).

/** A frame as people read it: the function, then its file's last two path parts and line. */
export function frameLabel(frame) {
  const file = (frame.url || '').split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
}
