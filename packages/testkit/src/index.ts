/**
 * @since 0.1.0
 */
export * as FakeServer from "./FakeServer.js"

/**
 * @since 0.1.0
 */
export * as SecretScan from "./SecretScan.js"

/**
 * @since 0.1.0
 */
export * as WhatsGateFake from "./WhatsGateFake.js"

/**
 * @since 0.1.0
 */
export * as GunbotFake from "./GunbotFake.js"

/**
 * @since 0.1.0
 */
export * as NabiFake from "./NabiFake.js"

/**
 * @since 0.1.0
 */
export * as NandboxFake from "./NandboxFake.js"

/**
 * @since 0.1.0
 */
export * as TeraboxFake from "./TeraboxFake.js"

/**
 * @since 0.1.0
 */
export * as TestEnv from "./TestEnv.js"
