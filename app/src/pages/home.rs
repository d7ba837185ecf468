//! The home page: each surface with what it holds, what happened last, and whether the parts
//! Depot stands on answer.

use depot_domain::overview::{Holding, Overview, PartHealth};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::overview::load_overview;
use crate::api::page_data::page_data;
use crate::components::layout::SECTIONS;
use crate::components::loaded::Loaded;
use crate::components::time::LocalTime;
use crate::pages::audit::{readable, AuditedObject};

/// The surfaces' sections (by the audit log's name for the surface and the sidebar's name for
/// the section, whose address the sidebar keeps) and what each is for.
const SURFACES: [(&str, &str, &str); 5] = [
    (
        "tables",
        "Tables",
        "REST and a browser for every table of every attached SQL database (sandman2).",
    ),
    (
        "inventory",
        "Inventory",
        "Servers, pools, typed attributes, name and IP allocation (clusto).",
    ),
    (
        "versioning",
        "Versioning",
        "Data dots: file trees with branches, commits and diffs (Dotmesh).",
    ),
    (
        "artifacts",
        "Artifacts",
        "Versioned artifacts, plugins and apps pinned to versions (CDAP).",
    ),
    (
        "specs",
        "Specs",
        "Source-spec revisions and pipeline status (specstore).",
    ),
];

/// Where the sidebar's section `title` lives.
fn section_href(title: &str) -> &'static str {
    SECTIONS
        .iter()
        .find(|(_, label)| *label == title)
        .map(|(href, _)| *href)
        .unwrap_or("/")
}

#[component]
pub fn HomePage() -> impl IntoView {
    let overview = page_data(|| (), |_| load_overview());
    view! {
        <Title text=""/>
        <h1>"Depot"</h1>
        <p class="lead">"One server for the jobs of five: each surface speaks its legacy protocol, so existing scripts keep working."</p>
        <Loaded resource=overview loading="Loading the overview…" then=|overview| view! { <OverviewView overview/> }/>
    }
}

#[component]
fn OverviewView(overview: Overview) -> impl IntoView {
    let Overview {
        holdings,
        recent,
        health,
    } = overview;
    view! {
        <div class="cards">
            {SURFACES.iter().map(|(surface, title, what)| {
                let href = section_href(title);
                let holding = holdings.iter().find(|h| h.surface == *surface).cloned();
                view! {
                    <A href=href attr:class="card">
                        <h2>{*title}</h2>
                        {holding.map(|Holding { count, what, .. }| view! {
                            <p class="holding"><strong>{count}</strong>" "{what}</p>
                        })}
                        <p>{*what}</p>
                    </A>
                }
            }).collect_view()}
        </div>
        <div class="overview">
            <section aria-labelledby="recent-activity">
                <h2 id="recent-activity">"Recent activity"</h2>
                <RecentActivity entries=recent/>
                <p><A href="/audit">"The whole audit log →"</A></p>
            </section>
            <section aria-labelledby="health">
                <h2 id="health">"Health"</h2>
                <ul class="health">
                    {health.into_iter().map(|PartHealth { part, healthy, detail }| view! {
                        <li class:unhealthy=!healthy>
                            <span class="state" class:succeeded=healthy class:failed=!healthy>{if healthy { "OK" } else { "Needs attention" }}</span>
                            " " <strong>{part}</strong> ": " {detail}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        </div>
    }
    .into_any()
}

#[component]
fn RecentActivity(entries: Vec<depot_domain::audit::AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty">"Nothing has happened yet."</p> }.into_any();
    }
    view! {
        <ol class="activity">
            {entries.into_iter().map(|entry| {
                let summary = readable(&entry.summary);
                view! {
                    <li>
                        <LocalTime at=entry.at/>" "
                        <strong>{entry.actor}</strong>" "{entry.action}" "<AuditedObject surface=entry.surface object=entry.object/>
                        {(!summary.is_empty()).then(|| view! { <span class="summary">{format!(" — {summary}")}</span> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}
