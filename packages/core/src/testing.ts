/**
 * Testing utilities: an in-memory Pipedrive and layers that run the real client against it.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as PipedriveTest from "./PipedriveTest.js"
