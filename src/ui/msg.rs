//! What the page's parts send the app: one message type for every click, key and frame.

use crate::playground::share;
use crate::sim::Action;

/// A form's button: what to read from the fields and do.
#[derive(Clone, Debug, PartialEq)]
pub enum Form {
    PauseNode(u32),
    DriftNode(u32),
    RequestTo(u32),
    RequestLeader,
    /// An operator command: `timeout` goes to this node; `transfer N`, `add N`, `remove N` go to the leader, naming it.
    Admin {
        node: u32,
        command: &'static str,
    },
    IsolateLeader,
    LeaderInMinority,
    SplitHalves,
    Groups,
    Cut,
    Uncut,
    LinkParams,
    GlobalParams,
    Load,
    StopLoad,
    DelayMessage(u64),
}

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    Restart,
    NewSeed,
    Speed(f64),
    Field(String, String),
    SelectNode(Option<u32>),
    SelectMessage(Option<u64>),
    HoverMessage(Option<u64>),
    SelectEvent(u64),
    Act(Action),
    Form(Form),
    ApplySettings,
    Help(bool),
    Key(String),
    DismissViolation,
    /// Downloads the trace held so far as JSON Lines.
    ExportTrace,
    /// Shows the moment right after this step (going back, or forward again by replay).
    Scrub(u64),
    /// Goes back one event (←).
    StepBack,
    /// Makes a share link of the whole run and copies it.
    CopyLink,
    /// The `sim run --link` command that replays this run natively, to the moment shown.
    CopyCli,
    /// The link made for the `CopyLink` with this number (the browser compresses asynchronously).
    LinkMade(u64, Result<String, String>),
    /// The page's share link, read (the browser inflates asynchronously), for the run numbered so.
    LinkOpened(u64, Result<share::SharedRun, String>),
    /// Goes on after a caption that waits.
    ContinueCaption,
    HideCaption,
    /// Starts a new run from the script in the scenario panel.
    RunScript,
    /// Starts a new run without the scenario.
    ClearScript,
    /// Puts a built-in scenario into the scenario panel.
    PickLesson(String),
    /// Something went wrong with the script (reading a file).
    ScriptError(String),
    /// Space-time diagram: zoom out (+1) or in (−1).
    Zoom(i32),
    /// Space-time diagram: scroll back (+1) or forward (−1) half a span; 0 follows the moment shown.
    Pan(i32),
    /// Downloads the space-time diagram as SVG.
    ExportSvg,
    /// A click on a message's arrow: the message and its send event.
    SelectArrow(u64, u64),
}
