// Registers the source preparers that live beside their clients (MLflow, Vertex), so the core
// runner does not import every client library.
export {};
