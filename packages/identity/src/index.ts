export { createOidcVerifier, createJwtVerifier, type TokenVerifier, type Identity, type OidcVerifierOptions } from "./verifier";
