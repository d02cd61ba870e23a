/**
 * @since 1.0.0
 */
export * as GunbotFake from "./GunbotFake.js"

/**
 * @since 1.0.0
 */
export * as NabiFake from "./NabiFake.js"

/**
 * @since 1.0.0
 */
export * as SecretScan from "./SecretScan.js"

/**
 * @since 1.0.0
 */
export * as TestEnv from "./TestEnv.js"

/**
 * @since 1.0.0
 */
export * as WhatsGateFake from "./WhatsGateFake.js"

/**
 * @since 1.0.0
 */
export * as NandboxFake from "./NandboxFake.js"

/**
 * @since 1.0.0
 */
export * as TeraboxFake from "./TeraboxFake.js"

/**
 * @since 1.0.0
 */
export * as FakeServer from "./FakeServer.js"
