import { defineConfig } from "vite";

// No framework plugin: Vite compiles TSX itself with React's automatic JSX runtime.
export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic" } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
});
