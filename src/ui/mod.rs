//! The Yew app: a view of a [`crate::playground::Playground`] snapshot plus a dispatcher that
//! turns clicks and timer ticks into simulator actions. This is the first, minimal page (the
//! full playground page is its own issue): it runs a live simulation and shows the cluster, the
//! messages in flight, the properties and the events as they happen.

mod app;
mod cluster;
mod params;

pub use app::App;
pub use params::{parse_params, PageParams};

/// Mounts the app on the page's `<main id="app">` (or the body).
pub fn mount_app() {
    let document = web_sys::window().and_then(|w| w.document());
    match document.and_then(|d| d.get_element_by_id("app")) {
        Some(root) => {
            yew::Renderer::<App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}
