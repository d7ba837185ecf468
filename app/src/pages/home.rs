use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

const SURFACES: [(&str, &str, &str); 5] = [
    (
        "/tables",
        "Tables",
        "REST and a browser for every table of every attached SQL database (sandman2).",
    ),
    (
        "/entities",
        "Inventory",
        "Servers, pools, typed attributes, name and IP allocation (clusto).",
    ),
    (
        "/versioning",
        "Versioning",
        "Data dots: file trees with branches, commits and diffs (Dotmesh).",
    ),
    (
        "/artifacts",
        "Artifacts",
        "Versioned artifacts, plugins and apps pinned to versions (CDAP).",
    ),
    (
        "/specs",
        "Specs",
        "Source-spec revisions and pipeline status (specstore).",
    ),
];

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <h1>"Depot"</h1>
        <p class="lead">"One server for the jobs of five: each surface speaks its legacy protocol, so existing scripts keep working."</p>
        <div class="cards">
            {SURFACES.iter().map(|(href, title, what)| view! {
                <A href=*href attr:class="card">
                    <h2>{*title}</h2>
                    <p>{*what}</p>
                </A>
            }).collect_view()}
        </div>
    }
}
