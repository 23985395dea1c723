/*
 * readers-writers(N) (Abdulla et al., POPL 2014), as src/scenarios/classic.ts's readersWriters:
 * the writer writes x[0]; reader i reads its own x[i], then x[0]. No property: both checkers
 * must answer "holds" after covering the 2^N traces.
 * Granularity: the same as the TypeScript model, one statement per read or write of x[i].
 * Spin's reduction is static and counts every access to a global as dependent, reads included,
 * so it stores all 3^N states where mmcheck's DPOR runs the 2^N traces once each.
 * N comes from the command line: spin -DN=8 -a readers-writers.pml
 */
#ifndef N
#define N 3
#endif

byte x[N + 1];

/* pid 0 */
active proctype writer() {
  x[0] = 1
}

/* pids 1..N: reader i reads x[i] */
active [N] proctype reader() {
  byte mine, seen;
  mine = x[_pid];
  seen = x[0]
}
