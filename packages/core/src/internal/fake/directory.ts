/**
 * The company around the leads: its users, persons, organizations, lead labels and custom
 * fields. Entities are numbered 1..n; names and emails are derived from the id, so they need
 * no storage and are the same in every run.
 */

export interface Directory {
  /** Users 1..users (lead owners). */
  readonly users: number
  /** Persons 1..persons. */
  readonly persons: number
  /** Organizations 1..organizations. */
  readonly organizations: number
}

export const defaultDirectory: Directory = { users: 20, persons: 2000, organizations: 1000 }

/** The user the API token belongs to: the owner and creator of leads created without `owner_id`. */
export const tokenUserId = 1

const firstNames = [
  "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
  "Kemal", "Lucia", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tanya"
] as const
const lastNames = [
  "Almeida", "Berg", "Costa", "Duval", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
  "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka"
] as const
const orgStems = [
  "Acme", "Blue Harbor", "Cobalt", "Driftwood", "Evergreen", "Foxglove", "Granite", "Helix", "Ironbark",
  "Juniper", "Kestrel", "Lumen", "Meridian", "Northwind", "Orchid", "Pinnacle", "Quarry", "Redwood",
  "Summit", "Tidewater"
] as const
const orgSuffixes = ["Ltd", "GmbH", "Inc", "AB", "SAS", "Oy", "LLC", "BV"] as const

const at = <A>(items: ReadonlyArray<A>, index: number): A => items[index % items.length]!

export const personName = (id: number): string =>
  `${at(firstNames, id)} ${at(lastNames, Math.floor(id / firstNames.length) + id)}`

export const personEmail = (id: number): string =>
  `${personName(id).toLowerCase().replace(/\s+/g, ".")}.${id}@example.com`

export const organizationName = (id: number): string =>
  `${at(orgStems, id)} ${at(orgSuffixes, Math.floor(id / orgStems.length))}`

/** The company's lead labels, as the lead-labels API starts out. */
export const labels = [
  { id: "3141ccfe-b2f1-4557-a68e-7d39abb730cf", name: "Hot", color: "red" },
  { id: "69366be0-ac7d-4436-8b53-a3f80b0e4e5e", name: "Warm", color: "yellow" },
  { id: "80e72e6b-bf5d-4f6a-9ec8-18e4d997c492", name: "Cold", color: "blue" },
  { id: "f9888c2c-71c0-42c0-852f-f9712f08de56", name: "Partner", color: "purple" }
] as const

/**
 * The custom fields seeded leads use: 40-hex keys, as Pipedrive names them, with the options
 * of the option fields. Their values on leads take the v1 wire forms of the contract's table.
 */
export const customFields = {
  industry: { key: "390d80af483ffbe3c05b134c85e78e27ccc9d108", name: "Industry", type: "varchar" },
  budget: { key: "dd512009bac040684da8450e143b3b4ffc7f6df2", name: "Budget", type: "monetary" },
  employees: { key: "366f4eaefe7f9f33474cdd73ae3e8125c8e41409", name: "Employees", type: "double" },
  nextReview: { key: "c76e6bf3531b24f988ade7c41a728e830612816a", name: "Next review", type: "date" },
  referrer: { key: "1900979e38b4c6120b23fede477276924b7a4d27", name: "Referrer", type: "varchar" },
  customerType: {
    key: "9dc80c50d78a15643bfc4ca79d76156a73a1ca0e",
    name: "Customer type",
    type: "enum",
    options: [{ id: 190, label: "Private person" }, { id: 191, label: "Company" }, { id: 192, label: "Government" }]
  },
  interests: {
    key: "5a8e4ce3f61b2b8d5a0f2e4c7d9b1a3c5e7f9012",
    name: "Interests",
    type: "set",
    options: [
      { id: 201, label: "Hardware" },
      { id: 202, label: "Software" },
      { id: 203, label: "Services" },
      { id: 204, label: "Training" }
    ]
  },
  accountManager: { key: "b7e0c2d4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6", name: "Account manager", type: "user" }
} as const

/**
 * Who may see a lead besides its owner: a few users chosen from the lead id's hash, so the
 * answer is stable without being stored.
 */
export const permittedUsers = (ownerId: number, idHash: number, users: number): ReadonlyArray<number> => {
  const others = new Set<number>()
  const count = idHash % 3
  for (let k = 0; k < count && users > 1; k++) {
    const user = ((idHash >>> (4 + k * 5)) + k * 7) % users + 1
    if (user !== ownerId) others.add(user)
  }
  return [ownerId, ...[...others].sort((a, b) => a - b)]
}
