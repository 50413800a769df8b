/**
 * The README's TypeScript blocks, as files a test can type-check and run: a block that imports
 * `@effect/vitest` is a test file, any other a program that reads its Pipedrive from the
 * environment.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const workspace = fileURLToPath(new URL("../../..", import.meta.url))

export interface Snippet {
  /** `readme-<n>.ts` or `readme-<n>.test.ts`, numbered in the README's order. */
  readonly file: string
  readonly kind: "program" | "test"
  /** The line of the README the block starts on (1-based), for failure messages. */
  readonly line: number
  readonly code: string
}

/** Every ```ts block of the README. */
export const snippets = (readme: string = Fs.readFileSync(Path.join(workspace, "README.md"), "utf8")) =>
  [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match, index): Snippet => {
    const code = match[1]!
    const kind = /from "@effect\/vitest"/.test(code) ? "test" : "program"
    const number = String(index + 1).padStart(2, "0")
    return {
      file: kind === "test" ? `readme-${number}.test.ts` : `readme-${number}.ts`,
      kind,
      line: readme.slice(0, match.index).split("\n").length,
      code
    }
  })

/** Writes the snippets into `dir`, each with a comment pointing back at its README line. */
export const writeSnippets = (dir: string, all: ReadonlyArray<Snippet>): void => {
  for (const snippet of all) {
    Fs.writeFileSync(Path.join(dir, snippet.file), `// README.md line ${snippet.line}\n${snippet.code}`)
  }
}
