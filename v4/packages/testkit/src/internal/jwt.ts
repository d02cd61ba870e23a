import * as Jwt from "@authfx/fakes/Jwt"

/** HS256 tokens as the fakes issue them: signed with `secret`, claims as given (`@authfx/fakes`' `Jwt.make`). */
export const makeJwt: (secret: string) => Jwt.Signer = Jwt.make
