//! The Yew app (placeholder until the page issue lands).

pub fn mount_app() {}
