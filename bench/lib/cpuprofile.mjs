// Shared by the readers of V8 .cpuprofile files (profile-top.mjs, flamegraph.mjs).

/** A frame as people read it: the function, then its file's last two path parts and line. */
export function frameLabel(frame) {
  const file = (frame.url || '').split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
}

/** Each sample's time, µs after the profile started. */
export function sampleTimes(profile) {
  const at = [];
  let t = 0;
  for (const delta of profile.timeDeltas) {
    t += delta;
    at.push(t);
  }
  return at;
}

/** [first, end) of the samples between `fromS` and `toS` seconds after the profile started. */
export function timeWindow(profile, fromS, toS) {
  const at = sampleTimes(profile);
  const from = at.findIndex((t) => t >= fromS * 1e6);
  const after = at.findIndex((t) => t > toS * 1e6);
  const end = after < 0 ? at.length : after;
  if (from < 0 || end <= from) throw new Error(`no samples between ${fromS} and ${toS} s`);
  return { from, end, seconds: (at[end - 1] - at[from]) / 1e6, label: `from ${fromS} to ${toS} s` };
}
