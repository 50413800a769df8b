import { Conversions } from "./conversions.js"
import type { Directory } from "./directory.js"
import { fieldHandlers } from "./fields.js"
import { LabelStore, labelHandlers } from "./labels.js"
import type { Rng } from "./random.js"
import { searchV2Handlers } from "./searchV2.js"
import type { LeadStore } from "./store.js"

/**
 * The lead domain around the leads: labels, fields, sources, v2 search, deals and conversions,
 * over the model's lead store. `settle` lets conversions that have ended take effect; the model
 * calls it before every request, so a converted lead is gone for every endpoint at once.
 */
export const makeDomain = (leads: LeadStore, directory: Directory, ids: Rng) => {
  const labels = new LabelStore()
  const conversions = new Conversions(leads, directory, ids)
  return {
    labels,
    conversions,
    settle: (now: number) => conversions.settle(now),
    handlers: {
      ...labelHandlers(labels, leads, ids),
      ...fieldHandlers(labels),
      ...searchV2Handlers(leads),
      ...conversions.handlers
    }
  }
}
