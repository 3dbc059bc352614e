/**
 * The tests' OneGate is the one strict stand-in under src/appliance/local/ (also used by `up --engines`):
 * token and VM id checked per VM (401), template-line bodies (400), GET /vm and GET /service.
 */
export {
  type FakeOneGate,
  type FakeOneGateOptions,
  type OneGateCall,
  parseUpdateBody,
  startFakeOneGate,
} from '../../../src/appliance/local/fake-onegate.ts';
