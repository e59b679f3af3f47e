//! Consensus Playground: Raft, Paxos and two-phase commit clusters in one deterministic
//! simulator, natively and in the browser.
//!
//! Dependencies point one way: [`core`] ← [`protocols`] ← [`sim`] ← [`check`] / [`scenario`] ←
//! [`playground`] ← [`ui`] and the JS API.

#[cfg(target_arch = "wasm32")]
pub mod api;
pub mod apps;
pub mod check;
pub mod core;
pub mod heap;
pub mod playground;
pub mod protocols;
pub mod scenario;
pub mod sim;
pub mod ui;

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    ui::mount_app();
}
