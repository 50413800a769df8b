/**
 * @since 0.1.0
 */
export * as FakePipedriveServer from "./FakePipedriveServer.js"
/**
 * @since 0.1.0
 */
export * as PipedriveNode from "./PipedriveNode.js"
/**
 * @since 0.1.0
 */
export * as RedisStore from "./RedisStore.js"
/**
 * @since 0.1.0
 */
export * as RedisTokenStore from "./RedisTokenStore.js"
/**
 * @since 0.1.0
 */
export * as UndiciHttpClient from "./UndiciHttpClient.js"
