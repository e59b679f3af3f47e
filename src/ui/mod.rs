//! The Yew app: a view of a [`crate::playground::Playground`] snapshot plus a dispatcher that
//! turns clicks, keys and animation frames into simulator actions.

mod app;
mod cluster;
pub mod forms;
mod frozen;
mod lessons;
mod loggrid;
mod math;
mod msg;
mod panels;
mod params;
mod state;
mod timeline;

pub use app::AppProps;
pub use params::{params_from_pairs, parse_params, PageParams};
pub use state::App;

/// Shows a Rust panic on the page (an error panel with a reload button) instead of leaving a
/// frozen or blank page; the message also goes to the console.
pub fn install_panic_hook() {
    // Through Yew: a plain std hook would be replaced when the app is rendered.
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&message.clone().into());
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let Some(body) = document.body() else { return };
        if document.get_element_by_id("panic").is_some() {
            return;
        }
        let build = || -> Option<web_sys::Element> {
            let panel = document.create_element("div").ok()?;
            panel.set_id("panic");
            panel.set_class_name("panic");
            panel.set_attribute("role", "alert").ok()?;
            let title = document.create_element("strong").ok()?;
            title.set_text_content(Some("The playground stopped because of a bug in it (not in your cluster)."));
            let detail = document.create_element("pre").ok()?;
            detail.set_text_content(Some(&message));
            let reload = document.create_element("button").ok()?;
            reload.set_text_content(Some("Reload the page"));
            reload.set_attribute("onclick", "location.reload()").ok()?;
            panel.append_child(&title).ok()?;
            panel.append_child(&detail).ok()?;
            panel.append_child(&reload).ok()?;
            Some(panel)
        };
        if let Some(panel) = build() {
            let _ = body.insert_before(&panel, body.first_child().as_ref());
        }
    }));
}

/// Mounts the app on the page's `<main id="app">`. A page without one (one that loads the module
/// to use the JS API, like `api.html`) gets no playground unless it calls `mount`.
pub fn mount_app() {
    install_panic_hook();
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(root) = document.and_then(|d| d.get_element_by_id("app")) {
        yew::Renderer::<App>::with_root(root).render();
    }
}
