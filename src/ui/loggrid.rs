//! The log grid: one row per node, one column per log index, entries coloured by term, committed
//! entries marked, compacted entries shown as the snapshot, and the leader's nextIndex /
//! matchIndex for each follower.

use crate::core::{GridStyle, LogView};
use crate::playground::{ClusterView, NodeView};
use yew::prelude::*;

/// Columns shown: the newest indexes of the cluster, fewer for big clusters so the grid keeps
/// to about [`CELLS_MAX`] cells (51 nodes: 11 columns). Every cell is an element the browser
/// styles, lays out and paints at each redraw; 51 × 30 of them took over 100 ms to paint.
pub const COLUMNS: u64 = 30;
pub const COLUMNS_MIN: u64 = 10;
pub const CELLS_MAX: u64 = 600;

#[derive(Properties, PartialEq)]
pub struct LogGridProps {
    pub view: std::rc::Rc<ClusterView>,
    pub selected_node: Option<u32>,
    pub on_node: Callback<u32>,
}

/// A colour per term, far apart for neighbouring terms.
pub fn term_colour(term: u64) -> String {
    format!("hsl({}, 62%, 62%)", (term * 67 + 200) % 360)
}

/// How many columns the grid shows for a cluster of `nodes`.
pub fn columns(nodes: usize) -> u64 {
    (CELLS_MAX / (nodes as u64).max(1)).clamp(COLUMNS_MIN, COLUMNS)
}

/// What the grid needs to know about the whole cluster to draw one cell.
struct Grid<'a> {
    lo: u64,
    last: u64,
    leader: Option<u32>,
    progress: Vec<(u32, u64, u64)>,
    /// How the protocol's logs are shown.
    style: GridStyle,
    /// Entries a quorum of nodes holds (the same index, term and text) are chosen, whether or
    /// not any node knows it yet (Paxos).
    holders: litemap::LiteMap<(u64, u64, &'a str), usize>,
    quorum: Option<usize>,
}

impl<'a> Grid<'a> {
    fn of(view: &'a ClusterView) -> Grid<'a> {
        let logs = || view.nodes.iter().filter_map(|n| n.log.as_ref());
        let last = logs().map(|l| l.entries.last().map_or(l.snapshot_index, |e| e.index)).max().unwrap_or(0);
        let leader = view.leader();
        let progress: Vec<(u32, u64, u64)> = leader
            .and_then(|l| view.nodes.iter().find(|n| n.id == l))
            .and_then(|n| n.log.as_ref())
            .map(|l| l.progress.clone())
            .unwrap_or_default();
        // One column past the end, so a follower's nextIndex there is visible.
        let last = last.max(progress.iter().map(|p| p.1).max().unwrap_or(0));
        let mut holders = litemap::LiteMap::new();
        for log in logs() {
            for e in &log.entries {
                *holders.entry((e.index, e.term, e.text.as_str())).or_default() += 1;
            }
        }
        Grid {
            lo: last.saturating_sub(columns(view.nodes.len()) - 1).max(1),
            last,
            leader,
            progress,
            style: logs().next().map(|l| l.style).unwrap_or_default(),
            holders,
            quorum: logs().find_map(|l| l.quorum),
        }
    }

    fn columns(&self) -> std::ops::RangeInclusive<u64> {
        self.lo..=self.last.max(self.lo)
    }

    /// The leader's `(nextIndex, matchIndex)` for node `id`.
    fn progress_of(&self, id: u32) -> Option<(u64, u64)> {
        self.progress.iter().find(|(p, _, _)| *p == id).map(|&(_, next, matched)| (next, matched))
    }

    /// Node `n`'s cell at index `i`: class, style, text, and (when asked: it is only wanted when
    /// the pointer is over the cell) the title.
    fn cell(&self, n: &NodeView, log: &LogView, i: u64, titled: bool) -> (Classes, String, String, String) {
        let mut class = classes!("cell");
        let mut title = String::new();
        let mut style = String::new();
        let mut text = String::new();
        let mine = self.progress_of(n.id);
        let entry = log.entries.iter().find(|e| e.index == i);
        if i <= log.snapshot_index {
            class.push("snap");
            if titled {
                title = format!(
                    "{} {}: compacted into the snapshot (up to {} at term {})",
                    self.style.column,
                    i - self.style.offset,
                    log.snapshot_index - self.style.offset,
                    log.snapshot_term
                );
            }
            text = "▦".into();
        } else if let Some(e) = entry {
            class.push("entry");
            if !e.class.is_empty() {
                class.push(e.class);
            }
            match e.mark {
                Some(mark) => text = mark.into(),
                None => {
                    style = format!("background:{}", term_colour(e.term));
                    text = e.term.to_string();
                }
            }
            if titled {
                title = (self.style.title)(e);
            }
            let held = self.holders.get(&(e.index, e.term, e.text.as_str())).copied().unwrap_or(0);
            if self.quorum.is_some_and(|q| held >= q) {
                class.push("chosen");
                if titled {
                    title.push_str(self.style.chosen);
                }
            }
            if log.commit.is_some_and(|c| i <= c) {
                class.push("committed");
                if titled {
                    title.push_str(" (committed)");
                }
            }
        } else if titled {
            title = format!("{} {}", self.style.column, i - self.style.offset);
        }
        if let Some((next, matched)) = mine {
            if i == next {
                class.push("next");
                if titled {
                    title.push_str(&format!(" — leader's nextIndex for node {}", n.id));
                }
            }
            if i == matched {
                class.push("match");
                if titled {
                    title.push_str(&format!(" — leader's matchIndex for node {}", n.id));
                }
            }
        }
        (class, style, text, title)
    }
}

/// The title of the log cell under the pointer, made when the pointer gets there: the grid is
/// redrawn several times a second while a run plays, and a title per cell was most of its cost.
fn title_cell(view: &ClusterView, target: Option<web_sys::EventTarget>) -> Option<()> {
    use wasm_bindgen::JsCast;
    let cell = target?.dyn_into::<web_sys::Element>().ok()?;
    if !cell.get_attribute("class").is_some_and(|c| c.split(' ').any(|c| c == "cell")) {
        return None;
    }
    let node: u32 = cell.parent_element()?.get_attribute("data-node")?.parse().ok()?;
    // The row header comes first, then one cell per column from `lo`.
    let mut column = 0u64;
    let mut at = cell.previous_element_sibling();
    while let Some(e) = at {
        column += 1;
        at = e.previous_element_sibling();
    }
    let grid = Grid::of(view);
    let i = grid.lo + column.checked_sub(1)?;
    let n = view.nodes.iter().find(|n| n.id == node)?;
    let (.., title) = grid.cell(n, n.log.as_ref()?, i, true);
    cell.set_attribute("title", &title).ok()
}

#[function_component(LogGrid)]
pub fn log_grid(props: &LogGridProps) -> Html {
    let view = &props.view;
    let shown = use_mut_ref(|| view.clone());
    *shown.borrow_mut() = view.clone();
    if view.nodes.iter().all(|n| n.log.is_none()) {
        return html! {};
    }
    let on_over = Callback::from(move |e: MouseEvent| {
        title_cell(&shown.borrow(), e.target());
    });
    let grid = Grid::of(view);
    let (style, leader) = (grid.style, grid.leader);
    let header = grid.columns().map(|i| html! { <th scope="col">{ i - style.offset }</th> });
    let rows = view.nodes.iter().map(|n| {
        let Some(log) = &n.log else { return html! {} };
        let commit = log.commit;
        let mine = grid.progress_of(n.id);
        let cells = grid.columns().map(|i| {
            let (class, style, text, _) = grid.cell(n, log, i, false);
            html! { <td class={class} style={style}>{ text }</td> }
        });
        let id = n.id;
        let on_click = props.on_node.reform(move |_: MouseEvent| id);
        let last_index = log.entries.last().map_or(log.snapshot_index, |e| e.index);
        let book = match mine {
            Some((next, matched)) => format!("next {next} · match {matched}"),
            None if Some(n.id) == leader => format!("leader · commit {}", commit.unwrap_or(0)),
            None => String::new(),
        };
        let row_class =
            classes!(if n.up { "up" } else { "crashed" }, (props.selected_node == Some(n.id)).then_some("selected"),);
        html! {
            <tr key={n.id} class={row_class} data-node={n.id.to_string()}
                data-commit={commit.map(|c| c.to_string()).unwrap_or_default()} data-last={last_index.to_string()}>
                <th scope="row" onclick={on_click} title={format!("node {}: commit index {}", n.id,
                    commit.map_or("unknown (crashed)".to_string(), |c| c.to_string()))}>
                    { format!("n{}", n.id) }<span class={classes!("role-dot", n.role.clone())}></span>
                </th>
                { for cells }
                <td class="book">{ book }</td>
            </tr>
        }
    });
    html! {
        <div class="loggrid-wrap">
            <table id="loggrid" class="loggrid" aria-label="each node's log" onmouseover={on_over}>
                <thead><tr><th scope="col">{ style.column }</th>{ for header }<th scope="col" class="book">{ style.side }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <p class="hint">{ style.hint }</p>
        </div>
    }
}
