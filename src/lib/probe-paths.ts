/**
 * The public probe routes, with one meaning wherever they are served: the engine answers them and the
 * nginx edge passes them through unchanged, so a monitor gets the same answer on either port.
 * /healthz is liveness, LocalAI's: 200 whenever the process answers, so nothing restarts the engine during a
 * long model load. /readyz (LocalAI's) and /health (llama-server's name for the same check) are readiness:
 * 503 until the model is loaded and again once shutdown began.
 */
export const LIVENESS_PATH = '/healthz';
export const READINESS_PATHS = ['/readyz', '/health'] as const;
export const PROBE_PATHS: readonly string[] = [LIVENESS_PATH, ...READINESS_PATHS];
