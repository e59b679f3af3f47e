//! A run's client history, typed by the protocol's application: the input of history checkers
//! (linearizability, session guarantees).

use crate::apps::{History, Returned};
use crate::core::Protocol;
use crate::sim::{Outcome, Rec, RecordKind};

/// The history of the `invoke` / `return` records among `records`.
pub fn history<'a, P: Protocol>(records: impl IntoIterator<Item = &'a Rec<P>>) -> History<P::App> {
    let mut history = History::default();
    for record in records {
        match &record.kind {
            RecordKind::Invoke { client, seq, op } => history.invoke(record.t, *client, *seq, op),
            RecordKind::Return { client, seq, outcome } => {
                let returned = match outcome {
                    Outcome::Ok(text) => Returned::Ok(text),
                    Outcome::Fail(_) => Returned::Fail,
                    Outcome::Unknown | Outcome::Pending => Returned::Unknown,
                };
                history.ret(record.t, *client, *seq, returned);
            }
            _ => {}
        }
    }
    history
}
