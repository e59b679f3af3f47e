//! A part of the page that Yew leaves alone until its version changes.

use yew::prelude::*;

/// Part of the page that Yew leaves alone (no render, no diff) until its version changes.
#[derive(Properties, Clone)]
pub struct FrozenProps {
    pub version: u64,
    pub html: Html,
}

impl PartialEq for FrozenProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

#[function_component(Frozen)]
pub(super) fn frozen(props: &FrozenProps) -> Html {
    props.html.clone()
}
