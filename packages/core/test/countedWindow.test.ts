import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { CountedWindow } from "../src/internal/countedWindow.js"

type Op =
  | { readonly _tag: "count"; readonly until: number }
  | { readonly _tag: "recount"; readonly pick: number; readonly until: number }
  | { readonly _tag: "purge"; readonly now: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ _tag: fc.constant("count" as const), until: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ _tag: fc.constant("recount" as const), pick: fc.nat(), until: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ _tag: fc.constant("purge" as const), now: fc.integer({ min: 0, max: 1000 }) })
)

describe("CountedWindow", () => {
  // The heap must answer exactly what scanning every counted ticket answers.
  it("counts and purges as a plain scan of every ticket does", () =>
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const window = new CountedWindow()
        const plain = new Map<string, number>()
        let tickets = 0
        for (const o of ops) {
          if (o._tag === "count") {
            const ticket = String(++tickets)
            window.count(ticket, o.until)
            plain.set(ticket, o.until)
          } else if (o._tag === "recount") {
            const ticket = String(tickets === 0 ? 0 : 1 + (o.pick % tickets))
            window.recount(ticket, o.until)
            if (plain.has(ticket)) plain.set(ticket, o.until)
          } else {
            for (const [ticket, until] of plain) if (until <= o.now) plain.delete(ticket)
            const earliest = plain.size === 0 ? undefined : Math.min(...plain.values())
            expect(window.purge(o.now)).toBe(earliest)
            expect(window.size).toBe(plain.size)
          }
        }
      }),
      { numRuns: 300 }
    ))
})
