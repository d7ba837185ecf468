//! A resource manager's use: an IP manager's network (counted over the whole network, the
//! allocations with their holders, the free runs) or a name manager's names (handed out, and
//! the next), each with a picture of its first cells that the keyboard and a finger can read
//! too (one tab stop, arrow keys between cells, the focused cell said aloud).

use leptos::prelude::*;

use crate::api::inventory::{AddressUse, NameManagerUse, NetworkUse};

/// `used` of `usable` addresses as a percentage with one decimal ("0.4 %"), in whole numbers:
/// reading the count as a float would bring Rust's float parser to the page (`wasm_size_rules`).
/// `usable` is a decimal count, which for a whole IPv6 space does not fit even 128 bits.
fn share_in_use(used: u128, usable: &str) -> String {
    match usable.parse::<u128>() {
        Ok(0) => "—".into(),
        Ok(usable) => {
            let tenths = (used * 2000 + usable) / (usable * 2);
            format!("{}.{} %", tenths / 10, tenths % 10)
        }
        Err(_) if !usable.is_empty() && usable.bytes().all(|b| b.is_ascii_digit()) => {
            "0.0 %".into()
        }
        Err(_) => "—".into(),
    }
}

/// An IP manager's network: how much of it is in use (counted over the whole network), who
/// holds each address, and a picture of the first 1,024 addresses.
#[component]
pub(super) fn NetworkPicture(addresses: Vec<AddressUse>, network: NetworkUse) -> impl IntoView {
    let used = network.allocated.len();
    let share = share_in_use(used as u128, &network.usable);
    let summary = format!(
        "{used} of {} addresses of {} in use ({share})",
        network.usable, network.cidr
    );
    let drawn = addresses.len();
    view! {
        <h2>"Network use"</h2>
        <p class="network-summary">{summary.clone()}</p>
        <Holders held=network.allocated what="Address" none="No address is allocated yet."/>
        <h3>"Free"</h3>
        {if network.free.is_empty() {
            view! { <p class="empty">"No address is free."</p> }.into_any()
        } else {
            view! {
                <ul class="free-ranges">
                    {network.free.into_iter().map(|(first, last, count)| {
                        let run = if first == last { first } else { format!("{first} – {last}") };
                        let noun = if count == "1" { "address" } else { "addresses" };
                        view! { <li><code>{run}</code>{format!(" ({count} {noun})")}</li> }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <Legend shown=format!("the first {drawn} addresses")/>
        <UseGrid cells=addresses summary/>
    }
}

/// A name manager's names: how many it has handed out, the next, who holds each, and a
/// picture of the numbers from 1 to past the last one used.
#[component]
pub(super) fn NamesPicture(names: NameManagerUse) -> impl IntoView {
    let handed_out = names.held.len();
    let noun = if handed_out == 1 { "name" } else { "names" };
    let summary = format!("{handed_out} {noun} handed out; the next is {}", names.next);
    let drawn = names.names.len();
    view! {
        <h2>"Names"</h2>
        <p class="network-summary">{summary.clone()}</p>
        <Holders held=names.held what="Name" none="No name is handed out yet."/>
        <Legend shown=format!("numbers 1 to {drawn}")/>
        <UseGrid cells=names.names summary/>
    }
}

/// What a manager has handed out, each with its holder (linked).
#[component]
fn Holders(held: Vec<AddressUse>, what: &'static str, none: &'static str) -> impl IntoView {
    if held.is_empty() {
        return view! { <p class="empty">{none}</p> }.into_any();
    }
    view! {
        <table class="data allocations">
            <thead><tr><th>{what}</th><th>"Held by"</th></tr></thead>
            <tbody>
                {held.into_iter().map(|a| {
                    let holder = a.holder.unwrap_or_default();
                    let name = holder.rsplit('/').next().unwrap_or_default().to_string();
                    view! {
                        <tr>
                            <td><code>{a.address}</code></td>
                            <td><a href=format!("/entities/{}", crate::urlencode(&name))>{holder}</a></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Legend(shown: String) -> impl IntoView {
    view! {
        <p class="legend">
            <span class="ip used" aria-hidden="true"></span>" in use "
            <span class="ip" aria-hidden="true"></span>" free"
            {format!(" · {shown}")}
        </p>
    }
}

/// The picture itself: a cell per address (or name), one tab stop for all of them. Arrow keys,
/// Home and End move between cells; the focused cell (by keyboard, or a tap) is read out below.
#[component]
fn UseGrid(cells: Vec<AddressUse>, summary: String) -> impl IntoView {
    let current = RwSignal::new(0usize);
    let focused = RwSignal::new(String::new());
    let count = cells.len();
    let cells = cells
        .into_iter()
        .enumerate()
        .map(|(index, a)| {
            let said = match &a.holder {
                Some(holder) => format!("{} — {holder}", a.address),
                None => format!("{} — free", a.address),
            };
            let on_focus = {
                let said = said.clone();
                move |_| {
                    current.set(index);
                    focused.set(said.clone());
                }
            };
            view! {
                <span class="ip" class:used=a.holder.is_some() role="gridcell" id=format!("ip-cell-{index}")
                    tabindex=move || if current.get() == index { "0" } else { "-1" }
                    title=said.clone() aria-label=said data-address=a.address.clone()
                    on:focus=on_focus></span>
            }
        })
        .collect_view();
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        let next = match event.key().as_str() {
            "ArrowRight" => current.get_untracked() + 1,
            "ArrowLeft" => current.get_untracked().wrapping_sub(1),
            "ArrowDown" => current.get_untracked() + per_row(count),
            "ArrowUp" => current.get_untracked().wrapping_sub(per_row(count)),
            "Home" => 0,
            "End" => count.saturating_sub(1),
            _ => return,
        };
        event.prevent_default();
        if next < count {
            focus_cell(next);
        }
    };
    view! {
        <div class="ip-grid" role="grid" aria-label=summary on:keydown=on_key>
            <div role="row" class="ip-row">{cells}</div>
        </div>
        <p class="ip-focused" aria-live="polite">{move || focused.get()}</p>
    }
}

/// How many cells a row of the picture holds as laid out now (32 wide, 16 on a phone).
fn per_row(count: usize) -> usize {
    let top = |index: usize| element(index).map(|cell| cell.offset_top());
    let first = top(0);
    (1..count).find(|&i| top(i) != first).unwrap_or(count)
}

fn focus_cell(index: usize) {
    if let Some(cell) = element(index) {
        let _ = cell.focus();
    }
}

fn element(index: usize) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    document()
        .get_element_by_id(&format!("ip-cell-{index}"))?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::share_in_use;

    #[test]
    fn the_share_in_use_has_one_decimal_rounded_half_up() {
        assert_eq!(share_in_use(1, "254"), "0.4 %");
        assert_eq!(share_in_use(3, "8"), "37.5 %");
        assert_eq!(share_in_use(1, "2000"), "0.1 %");
        assert_eq!(share_in_use(254, "254"), "100.0 %");
        assert_eq!(share_in_use(0, "1024"), "0.0 %");
    }

    #[test]
    fn a_network_beyond_128_bits_is_all_but_unused_and_a_bad_count_has_no_share() {
        assert_eq!(
            share_in_use(5, "340282366920938463463374607431768211456"),
            "0.0 %"
        );
        assert_eq!(share_in_use(5, "18446744073709551616"), "0.0 %");
        assert_eq!(share_in_use(1, "0"), "—");
        assert_eq!(share_in_use(1, ""), "—");
        assert_eq!(share_in_use(1, "many"), "—");
    }
}
