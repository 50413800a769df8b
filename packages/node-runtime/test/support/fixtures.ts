/** What Pipedrive sends, for tests over real sockets. */

/** A token of the right shape; no server of the tests checks it. */
export const token = "0f1e2d3c4b5a69788796a5b4c3d2e1f00a1b2c3d"

/** The `n`-th lead id (a UUID). */
export const leadId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`

/** A lead as Pipedrive sends it today. */
export const leadJson = (id: string) => ({
  id,
  title: "Jane Doe Lead",
  owner_id: 1,
  creator_id: 1,
  label_ids: [],
  person_id: 1092,
  organization_id: null,
  source_name: "API",
  origin: "API",
  origin_id: null,
  channel: null,
  channel_id: null,
  is_archived: false,
  was_seen: false,
  value: null,
  expected_close_date: null,
  next_activity_id: null,
  add_time: "2020-10-14T11:30:36.551Z",
  update_time: "2020-10-14T11:30:36.551Z",
  visible_to: "3",
  cc_email: "company+1+lead@dev.pipedrivemail.com"
})
