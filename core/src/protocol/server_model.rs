//! A server of each format as the tests' round-trip property sees it (the app never uses it).

use super::OutFrame;

/// A server of one format as the round-trip property sees it: tests use it, the app does not.
pub struct ServerModel {
    /// How many kinds of server of this format there are (Socket.IO's two chat shapes); 1 or more.
    pub shapes: usize,
    /// The subprotocol a server of each shape chooses.
    pub subprotocol: fn(shape: usize) -> &'static str,
    /// The frames a server of `shape` sends after the socket opens, until a client of `nick`
    /// is ready (with the wake-ups it asks for, if it needs more).
    pub handshake: fn(shape: usize, nick: &str) -> Vec<OutFrame>,
    /// What the server sends the room for a frame a client of `nick` sent; `None` for frames
    /// that are not a chat message (registration, handshake).
    pub relay: fn(shape: usize, nick: &str, frame: &OutFrame) -> Option<OutFrame>,
    /// What of a message's text the wire can carry at all (XML has no control characters).
    pub carried: fn(&str) -> String,
    /// The conversation the client is asked to join (`channel`) and writes in.
    pub conversation: &'static str,
}

impl ServerModel {
    /// [`ServerModel::carried`] of wires that carry any text.
    pub(crate) const ALL_OF_IT: fn(&str) -> String = str::to_string;

    /// A broadcast server: every text frame goes to the room as it came.
    pub(crate) const BROADCAST: ServerModel = ServerModel {
        shapes: 1,
        subprotocol: |_| "",
        handshake: |_, _| Vec::new(),
        relay: |_, _, frame| match frame {
            OutFrame::Text(text) => Some(OutFrame::Text(text.clone())),
            OutFrame::Binary(_) => None,
        },
        carried: ServerModel::ALL_OF_IT,
        conversation: "#chat",
    };
}
