// The skeleton of docs/performance.md, used only when the file does not exist yet; the benchmark
// then keeps everything outside its markers and rewrites the block between them.
export function docsTemplate(): string {
  return `# Performance

Measured by \`npm run bench\` (see src/bench/main.ts); \`npm run bench -- --quick\` is the CI smoke run.
The latest full run's tables:
`;
}
