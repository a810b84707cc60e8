//! The JSON control API: what a test or a demo does to the simulated world that an agent
//! cannot do through Finesse (the caller, the dialer, the operator).
//!
//! | Method | Path | Does |
//! |---|---|---|
//! | GET | `/health` | liveness |
//! | GET | `/nodes` | nodes, running or not, IN_SERVICE or not, addresses |
//! | POST | `/nodes/{primary\|secondary}/stop` | close the node's ports, cut its connections |
//! | POST | `/nodes/{node}/start` | listen again on the same ports |
//! | POST | `/nodes/{node}/drop-xmpp` | cut every XMPP connection of the node (it keeps listening) |
//! | PUT | `/nodes/{node}/status` | `{"status":"OUT_OF_SERVICE"}` (SystemInfo notification, REST 503) |
//! | GET / PUT | `/directory` | read / replace the directory (JSON) |
//! | POST | `/directory/load` | `{"path":"…"}` load a directory file |
//! | GET | `/agents`, `/agents/{id}` | agent state, pending state, reason, sessions, lockout |
//! | POST | `/calls/inbound` | offer a call to an agent → `{"dialogId":…}` |
//! | POST | `/calls/outbound` | dialer call (OTHER_IN packet, then OUTBOUND with BA* data) |
//! | POST | `/calls/preview` | outbound preview reservation |
//! | GET | `/dialogs`, `/dialogs/{id}` | dialogs with participants and allowed actions |
//! | POST | `/dialogs/{id}/answer` | the remote party answers |
//! | POST | `/dialogs/{id}/hangup` | the remote party hangs up |
//! | POST | `/dialogs/{id}/rona` | ring no answer: the call is taken back from the agent |
//! | GET / DELETE | `/events?since=N` | requests and notifications in order / clear |
//! | GET | `/requests?since=N`, `/notifications?since=N` | one kind only |

mod client;
mod server;
pub mod types;

pub use self::client::ControlClient;
pub(crate) use self::server::router;
pub use self::types::*;
