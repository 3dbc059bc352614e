/**
 * The largest request body the endpoint accepts: nginx's `client_max_body_size` and the engine's own
 * check both use this one number, so the edge never forwards what the engine refuses (or the reverse).
 * 8 MiB holds a 1M-token prompt as JSON (about 4 bytes a token); anything near it is over any context
 * and is rejected from its length alone (see engine/inference/token-budget).
 */
export const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;
