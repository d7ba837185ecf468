//! Versioning pages: the dots by namespace, and a dot's page — its branches drawn as a commit
//! graph, the files of any commit or working tree, uploads with progress, commit, branch,
//! rollback, and the diff between any two versions. All view state is in the URL.

use depot_domain::versioning::{ChangeKind, DotFile, GraphCommit, Volume};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::page_data::page_data;
use crate::api::versioning::{
    dot_page, list_dots, BranchDot, CommitDot, CreateDot, DotOverview, RollbackDot, UploadDotFile,
};
use crate::api::ApiError;
use crate::components::allowed::Allowed;
use crate::components::confirm::{ConfirmButton, PlainPost};
use crate::components::download::DownloadLink;
use crate::components::error_view::ApiErrorView;
use crate::components::loaded::{boxed, transition, Loaded};
use crate::components::time::LocalTime;
use crate::components::upload::{upload, Destination, TwoStep, UploadProgress};
use crate::components::{human_size, plain_form_refusal, posts_to};
use crate::urlencode;
use depot_domain::Role;

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

fn dot_href(namespace: &str, name: &str) -> String {
    format!("/versioning/{}/{}", urlencode(namespace), urlencode(name))
}

#[component]
pub fn DotsPage() -> impl IntoView {
    let create = ServerAction::<CreateDot>::new();
    let dots = page_data(move || create.version().get(), |_| list_dots());
    let (namespace, name) = (NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            navigate(
                &dot_href(&created.name.namespace, &created.name.name),
                Default::default(),
            );
        }
    });
    let on_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (Some(namespace), Some(name)) = (namespace.get(), name.get()) {
            create.dispatch(CreateDot {
                namespace: namespace.value(),
                name: name.value(),
            });
        }
    };
    view! {
        <Title text="Versioning"/>
        <h1>"Versioning"</h1>
        <p class="lead">"Data dots: file trees with branches and commits. Dotmesh clients use "
            <code>"/rpc"</code> "; scripts can also use " <code>"/dots/…"</code> "."</p>
        <Allowed role=Role::Writer>
            <form class="inline-form" method="post" action={posts_to::<CreateDot>()} on:submit=on_create aria-label="Create dot">
                <label>"Namespace" <input type="text" name="namespace" value="admin" node_ref=namespace required/></label>
                <label>"Name" <input type="text" name="name" node_ref=name required pattern="[a-zA-Z0-9_\\-]{1,64}"/></label>
                <button type="submit" disabled=move || create.pending().get()>"Create dot"</button>
            </form>
        </Allowed>
        {move || create.value().get().and_then(Result::err).map(|error| view! { <ApiErrorView error/> })}
        <Loaded resource=dots then=move |dots| match dots.is_empty() {
            true => view! { <p class="empty">"No dots yet."</p> }.into_any(),
            false => view! { <DotsTable dots/> }.into_any(),
        }/>
    }
}

#[component]
fn DotsTable(dots: Vec<Volume>) -> impl IntoView {
    view! {
        <table class="data dots">
            <thead><tr><th>"Namespace"</th><th>"Dot"</th><th>"Size"</th><th>"Commits"</th><th>"State"</th><th>"Owner"</th></tr></thead>
            <tbody>
                {dots.into_iter().map(|dot| {
                    let dirty = dot.dirty_bytes > 0;
                    view! {
                        <tr>
                            <td>{dot.name.namespace.clone()}</td>
                            <td><a href=dot_href(&dot.name.namespace, &dot.name.name)>{dot.name.name.clone()}</a></td>
                            <td class="number">{human_size(dot.size_bytes)}</td>
                            <td class="number">{dot.commit_count}</td>
                            <td>{if dirty {
                                view! { <span class="badge dirty" title="files written since the last commit">{format!("dirty ({})", human_size(dot.dirty_bytes))}</span> }.into_any()
                            } else {
                                view! { <span class="badge clean">"clean"</span> }.into_any()
                            }}</td>
                            <td>{dot.owner}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Where the dot page looks: the dot, the branch, the commit shown (none: the working tree),
/// and the two ends of the diff.
#[derive(Clone, Debug, PartialEq)]
struct DotView {
    namespace: String,
    name: String,
    branch: String,
    at: String,
    from: String,
    to: String,
    /// The file whose line diff is shown under the diff.
    file: String,
}

impl DotView {
    /// This view with the line diff of `file` shown.
    fn with_file(&self, file: &str) -> String {
        format!(
            "{}&from={}&to={}&file={}",
            self.href(&self.branch, &self.at),
            urlencode(&self.from),
            urlencode(&self.to),
            urlencode(file)
        )
    }

    fn href(&self, branch: &str, at: &str) -> String {
        format!(
            "{}?branch={}&at={}",
            dot_href(&self.namespace, &self.name),
            urlencode(branch),
            urlencode(at)
        )
    }
}

/// The dot page's view state, from the route (`/versioning/{ns}/{dot}`) and its query string.
fn use_dot_view() -> Memo<DotView> {
    let params = use_params_map();
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let value = |name: &str| q.get(name).unwrap_or_default();
        DotView {
            namespace: params.read().get("ns").unwrap_or_default(),
            name: params.read().get("dot").unwrap_or_default(),
            branch: Some(value("branch"))
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| "master".into()),
            at: value("at"),
            from: value("from"),
            to: value("to"),
            file: value("file"),
        }
    })
}

/// After branching, shows the new branch; after a rollback, the branch's working tree.
fn follow_branch_changes(
    view_state: Memo<DotView>,
    branch: ServerAction<BranchDot>,
    rollback: ServerAction<RollbackDot>,
) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        let target = match (branch.value().get(), rollback.value().get()) {
            (Some(Ok(new_branch)), _) => Some(new_branch),
            (_, Some(Ok(()))) => Some(view_state.get_untracked().branch),
            _ => None,
        };
        if let Some(target) = target {
            navigate(
                &view_state.get_untracked().href(&target, ""),
                Default::default(),
            );
        }
    });
}

#[component]
pub fn DotPage() -> impl IntoView {
    let view_state = use_dot_view();
    let commit = ServerAction::<CommitDot>::new();
    let branch = ServerAction::<BranchDot>::new();
    let rollback = ServerAction::<RollbackDot>::new();
    let (uploads, set_uploads) = signal(0u32);
    let changes = move || {
        (
            commit.version().get(),
            branch.version().get(),
            rollback.version().get(),
            uploads.get(),
        )
    };
    // One answer for all the page shows (`dot_page`): every part changes with the view anyway.
    let page = page_data(
        move || (view_state.get(), changes()),
        |(v, _)| dot_page(v.namespace, v.name, v.branch, v.at, v.from, v.to, v.file),
    );
    follow_branch_changes(view_state, branch, rollback);
    let failures = move || {
        [
            commit.value().get().and_then(Result::err),
            branch.value().get().and_then(Result::err),
            rollback.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .map(|error| view! { <ApiErrorView error/> })
        .collect_view()
    };
    // Read when a file is sent, never rendered: the overview says how files reach the store.
    let direct_uploads = move || {
        page.get_untracked()
            .and_then(Result::ok)
            .is_some_and(|page| page.overview.direct_uploads)
    };
    view! {
        <Title text=move || {
            let v = view_state.get();
            format!("{}/{} · Versioning", v.namespace, v.name)
        }/>
        <p><a href="/versioning">"← Versioning"</a></p>
        {failures}
        <Loaded resource=page then=move |page| view! { <DotHeader overview=page.overview view_state/> }/>
        // The other parts show nothing when the dot cannot be shown: `Loaded` says why.
        {transition(None, move || boxed(async move {
            let page = page.await.ok()?;
            let at = view_state.get_untracked().at;
            let commit = page.overview.commits.into_iter().find(|c| c.id == at)?;
            let changed = page.commit_changes?;
            Some(view! { <CommitDetail commit changed view_state/> })
        }))}
        <div class="dot-columns">
            <section class="dot-files" aria-label="Files">
                {transition(Some("Loading…"), move || boxed(async move {
                    let listing = page.await.ok()?.files;
                    Some(view! { <FileList listing view_state/> })
                }))}
                {move || {
                    let v = view_state.get();
                    if v.at.is_empty() {
                        view! {
                            <Upload view_state direct_uploads on_done=move || set_uploads.update(|n| *n += 1)/>
                            <CommitForm view_state commit/>
                        }.into_any()
                    } else {
                        view! { <CommitActions view_state branch rollback/> }.into_any()
                    }
                }}
            </section>
            <section class="dot-diff" aria-label="Diff">
                {transition(Some("Loading…"), move || boxed(async move {
                    let page = page.await.ok()?;
                    let (commits, changed) = (page.overview.commits, page.diff);
                    Some(view! { <DiffView commits changed view_state/> })
                }))}
                {transition(None, move || boxed(async move {
                    page.await.ok()?.file_diff.map(|result| match result {
                        Ok(text) => view! { <TextDiffView text/> }.into_any(),
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    })
                }))}
            </section>
        </div>
    }
}

#[component]
fn DotHeader(overview: DotOverview, view_state: Memo<DotView>) -> impl IntoView {
    let volume = overview.volume.clone();
    let v = view_state.get_untracked();
    view! {
        <h1>{format!("{}/{}", volume.name.namespace, volume.name.name)}</h1>
        <p class="lead">
            {format!("{} · {} commits on master · owner {}", human_size(volume.size_bytes), volume.commit_count, volume.owner)}
            {(volume.dirty_bytes > 0).then(|| view! { " " <span class="badge dirty">{format!("dirty ({})", human_size(volume.dirty_bytes))}</span> })}
        </p>
        <nav class="branches" aria-label="Branches">
            {overview.branches.iter().map(|b| {
                let current = b.name == v.branch && v.at.is_empty();
                view! {
                    <a href=v.href(&b.name, "") class:current=current aria-current=current.then_some("page")>
                        {b.name.clone()}
                        {(b.dirty_bytes > 0).then(|| view! { <span class="badge dirty" title="uncommitted changes">"●"</span> })}
                    </a>
                }
            }).collect_view()}
        </nav>
        <CommitGraph overview view_state/>
    }
}

/// The commits as a graph: one lane per branch, newest on top, a line from each commit to its
/// parent. The lanes are drawn in SVG; each commit's label beside them is a plain link (it shows
/// the commit's files), so the graph works without JavaScript.
#[component]
fn CommitGraph(overview: DotOverview, view_state: Memo<DotView>) -> impl IntoView {
    const LANE: i32 = 22;
    const ROW: i32 = 26;
    let mut lanes: Vec<String> = overview.branches.iter().map(|b| b.name.clone()).collect();
    for commit in &overview.commits {
        if !lanes.contains(&commit.branch) {
            lanes.push(commit.branch.clone());
        }
    }
    let commits: Vec<GraphCommit> = overview.commits.iter().rev().cloned().collect();
    if commits.is_empty() {
        return view! { <p class="empty">"No commits yet: write files, then commit them."</p> }
            .into_any();
    }
    let position = |id: &str| -> Option<(i32, i32)> {
        let row = commits.iter().position(|c| c.id == id)? as i32;
        let lane = lanes
            .iter()
            .position(|l| *l == commits[row as usize].branch)? as i32;
        Some((12 + lane * LANE, ROW / 2 + row * ROW))
    };
    let width = 12 + lanes.len() as i32 * LANE;
    let height = commits.len() as i32 * ROW;
    let v = view_state.get_untracked();
    let lines = commits
        .iter()
        .filter_map(|c| {
            let (x1, y1) = position(&c.id)?;
            let (x2, y2) = position(c.parent.as_deref()?)?;
            Some(view! { <line x1=x1 y1=y1 x2=x2 y2=y2 class="edge"/> })
        })
        .collect_view();
    let dots = commits
        .iter()
        .map(|c| {
            let (x, y) = position(&c.id).unwrap_or((12, ROW / 2));
            let class = if v.at == c.id {
                "selected"
            } else if c.dropped {
                "dropped"
            } else {
                ""
            };
            view! { <circle cx=x cy=y r=6 class=class/> }
        })
        .collect_view();
    let labels = commits
        .iter()
        .map(|c| {
            let branch = if c.branch.is_empty() { v.branch.clone() } else { c.branch.clone() };
            let on = if c.branch.is_empty() { "a deleted branch".to_string() } else { c.branch.clone() };
            let title = format!("{} · {} files · {}", c.id, c.file_count, human_size(c.size_bytes));
            view! {
                <li class:dropped=c.dropped class:selected=v.at == c.id>
                    <a href=v.href(&branch, &c.id) title=title>
                        <code>{short(&c.id).to_string()}</code>" "{c.message.clone()}
                    </a>
                    <span class="commit-meta">{format!(" — {} on {}{} · ", c.author, on, if c.dropped { " (rolled back)" } else { "" })}<LocalTime at=c.at.clone()/></span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="commit-graph" role="group" aria-label="Commit graph">
            <svg width=width height=height aria-hidden="true">{lines}{dots}</svg>
            <ol style=format!("padding-left: {}px", width + 4)>{labels}</ol>
        </div>
    }
    .into_any()
}

#[component]
fn FileList(listing: Result<Vec<DotFile>, ApiError>, view_state: Memo<DotView>) -> impl IntoView {
    let v = view_state.get_untracked();
    let heading = if v.at.is_empty() {
        format!("Working tree of {}", v.branch)
    } else {
        format!("Files at commit {}", short(&v.at))
    };
    let base = format!("/dots/{}/{}", urlencode(&v.namespace), urlencode(&v.name));
    let href = move |path: &str| {
        let path: String = path.split('/').map(urlencode).collect::<Vec<_>>().join("/");
        if v.at.is_empty() {
            format!("{base}/branches/{}/files/{path}", urlencode(&v.branch))
        } else {
            format!("{base}/commits/{}/files/{path}", urlencode(&v.at))
        }
    };
    view! {
        <h2>{heading}</h2>
        {match listing {
            Ok(files) if files.is_empty() => view! { <p class="empty">"No files."</p> }.into_any(),
            Ok(files) => view! {
                <table class="data files">
                    <thead><tr><th>"Path"</th><th>"Size"</th><th></th></tr></thead>
                    <tbody>
                        {files.into_iter().map(|f| view! {
                            <tr>
                                <td><DownloadLink path=href(&f.path)>{f.path.clone()}</DownloadLink></td>
                                <td class="number">{human_size(f.size_bytes)}</td>
                                <td>{f.dirty.then(|| view! { <span class="badge dirty">"changed"</span> })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
            Err(error) => view! { <ApiErrorView error/> }.into_any(),
        }}
    }
}

/// Uploads a file into the working tree, showing progress: in the body of
/// `PUT /dots/…/files/{path}`, or in two steps through a signed URL where the store is S3.
#[component]
fn Upload(
    view_state: Memo<DotView>,
    direct_uploads: impl Fn() -> bool + Clone + Send + Sync + 'static,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let (file_input, path_input) = (NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new());
    let (progress, set_progress) = signal(None::<f64>);
    let (problem, set_problem) =
        signal(plain_form_refusal::<UploadDotFile>().map(|refusal| refusal.error));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(file_input), Some(path_input)) = (file_input.get(), path_input.get()) else {
            return;
        };
        let Some(file) = file_input.files().and_then(|files| files.get(0)) else {
            set_problem.set(Some("choose a file to upload".into()));
            return;
        };
        let path = Some(path_input.value().trim().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| file.name());
        let v = view_state.get_untracked();
        let branch = format!(
            "/dots/{}/{}/branches/{}",
            urlencode(&v.namespace),
            urlencode(&v.name),
            urlencode(&v.branch),
        );
        set_problem.set(None);
        let file_path = serde_json::json!({"path": path});
        let encoded: Vec<String> = path.split('/').map(urlencode).collect();
        let plain = Destination::depot("PUT", &format!("{branch}/files/{}", encoded.join("/")));
        let steps = TwoStep {
            route: branch,
            headers: Vec::new(),
            begin: file_path.clone(),
            confirm: file_path,
        };
        let (direct, on_done) = (direct_uploads(), on_done.clone());
        // At once: the form waits while the upload's code arrives, too.
        set_progress.set(Some(0.0));
        leptos::task::spawn_local(async move {
            match upload(direct, steps, plain, file, set_progress).await {
                Ok(_) => {
                    path_input.set_value("");
                    file_input.set_value("");
                    on_done();
                }
                Err(message) => set_problem.set(Some(message)),
            }
        });
    };
    view! {
        <Allowed role=Role::Writer>
            // Without the script the browser posts the form itself, the file last.
            <form class="upload" method="post" enctype="multipart/form-data" action={posts_to::<UploadDotFile>()}
                on:submit=on_submit.clone() aria-label="Upload file">
                <h3>"Upload a file"</h3>
                <input type="hidden" name="namespace" value=move || view_state.get().namespace/>
                <input type="hidden" name="name" value=move || view_state.get().name/>
                <input type="hidden" name="branch" value=move || view_state.get().branch/>
                <label>"Path in the dot (default: the file's name)" <input type="text" name="path" node_ref=path_input placeholder="data/readings.csv"/></label>
                <label>"File" <input type="file" name="file" node_ref=file_input required/></label>
                <button type="submit" disabled=move || progress.get().is_some()>"Upload"</button>
                <UploadProgress progress/>
                {move || problem.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            </form>
        </Allowed>
    }
}

#[component]
fn CommitForm(view_state: Memo<DotView>, commit: ServerAction<CommitDot>) -> impl IntoView {
    let (message, metadata) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Textarea>::new(),
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (Some(message), Some(metadata)) = (message.get(), metadata.get()) {
            let v = view_state.get_untracked();
            commit.dispatch(CommitDot {
                namespace: v.namespace,
                name: v.name,
                branch: v.branch,
                message: message.value(),
                metadata: metadata.value(),
            });
            message.set_value("");
            metadata.set_value("");
        }
    };
    view! {
        <Allowed role=Role::Writer>
            <form class="commit" method="post" action={posts_to::<CommitDot>()} on:submit=on_submit.clone() aria-label="Commit">
                <h3>{move || format!("Commit {}", view_state.get().branch)}</h3>
                <input type="hidden" name="namespace" value=move || view_state.get().namespace/>
                <input type="hidden" name="name" value=move || view_state.get().name/>
                <input type="hidden" name="branch" value=move || view_state.get().branch/>
                <label>"Message" <input type="text" name="message" node_ref=message required/></label>
                <label>"Metadata, one name=value per line" <textarea name="metadata" rows="2" node_ref=metadata></textarea></label>
                <button type="submit" disabled=move || commit.pending().get()>"Commit"</button>
            </form>
        </Allowed>
    }
}

/// What can be done from a selected commit: start a branch there, or roll the branch back to it.
#[component]
fn CommitActions(
    view_state: Memo<DotView>,
    branch: ServerAction<BranchDot>,
    rollback: ServerAction<RollbackDot>,
) -> impl IntoView {
    let new_branch = NodeRef::<html::Input>::new();
    let on_branch = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(input) = new_branch.get() {
            let v = view_state.get_untracked();
            branch.dispatch(BranchDot {
                namespace: v.namespace,
                name: v.name,
                from_branch: v.branch,
                commit: v.at,
                new_branch: input.value(),
            });
        }
    };
    let on_rollback = Callback::new(move |()| {
        let v = view_state.get_untracked();
        rollback.dispatch(RollbackDot {
            namespace: v.namespace,
            name: v.name,
            branch: v.branch,
            commit: v.at,
        });
    });
    let question = move || {
        let v = view_state.get();
        format!(
            "Roll {} back to commit {}? Later commits leave the branch and uncommitted changes are discarded.",
            v.branch,
            short(&v.at)
        )
    };
    view! {
        <Allowed role=Role::Writer>
            <form class="branch" method="post" action={posts_to::<BranchDot>()} on:submit=on_branch.clone() aria-label="Branch from this commit">
                <h3>"Branch from this commit"</h3>
                <input type="hidden" name="namespace" value=move || view_state.get().namespace/>
                <input type="hidden" name="name" value=move || view_state.get().name/>
                <input type="hidden" name="from_branch" value=move || view_state.get().branch/>
                <input type="hidden" name="commit" value=move || view_state.get().at/>
                <label>"New branch" <input type="text" name="new_branch" node_ref=new_branch required/></label>
                <button type="submit" disabled=move || branch.pending().get()>"Create branch"</button>
            </form>
        </Allowed>
        <Allowed role=Role::Writer>
            // A block, not a paragraph: the question is a form, which would end a <p>.
            <div class="rollback">
                <ConfirmButton label=move || format!("Roll {} back to this commit…", view_state.get().branch)
                    confirm="Roll back" question on_confirm=on_rollback
                    posts={PlainPost::to::<RollbackDot>()
                        .field_with("namespace", move || view_state.get().namespace)
                        .field_with("name", move || view_state.get().name)
                        .field_with("branch", move || view_state.get().branch)
                        .field_with("commit", move || view_state.get().at)}
                    disabled=Signal::derive(move || rollback.pending().get())/>
            </div>
        </Allowed>
    }
}

/// One file's changed lines, as a unified listing.
#[component]
fn TextDiffView(text: depot_domain::versioning::FileTextDiff) -> impl IntoView {
    use depot_domain::versioning::LineChange;
    view! {
        <h3>{format!("Lines of {}", text.path)}</h3>
        {text.note.map(|note| view! { <p class="notice">{note}</p> })}
        <pre class="text-diff" aria-label=format!("Line diff of {}", text.path)>
            {text.lines.into_iter().map(|line| {
                let (mark, class) = match line.change {
                    LineChange::Kept => (' ', "kept"),
                    LineChange::Added => ('+', "added"),
                    LineChange::Removed => ('-', "removed"),
                };
                view! { <span class=class>{format!("{mark} {}\n", line.text)}</span> }
            }).collect_view()}
        </pre>
    }
}

/// The files changed between two versions, chosen in a form that keeps them in the URL.
#[component]
fn DiffView(
    commits: Vec<GraphCommit>,
    changed: Result<Vec<depot_domain::versioning::FileDiff>, ApiError>,
    view_state: Memo<DotView>,
) -> impl IntoView {
    let v = view_state.get_untracked();
    let options = move |selected: &str, empty_label: &str| {
        let mut choices = vec![view! { <option value="" selected=selected.is_empty()>{empty_label.to_string()}</option> }.into_any()];
        for c in commits.iter().rev() {
            choices.push(view! {
                <option value=c.id.clone() selected=selected == c.id>{format!("{} {} ({})", short(&c.id), c.message, c.branch)}</option>
            }.into_any());
        }
        choices
    };
    view! {
        <h2>"Diff"</h2>
        <form method="get" class="inline-form" aria-label="Choose what to compare">
            <input type="hidden" name="branch" value=v.branch.clone()/>
            <input type="hidden" name="at" value=v.at.clone()/>
            <label>"From" <select name="from">{options(&v.from, &format!("head of {}", v.branch))}</select></label>
            <label>"To" <select name="to">{options(&v.to, &format!("working tree of {}", v.branch))}</select></label>
            <button type="submit">"Compare"</button>
        </form>
        {match changed {
            Ok(files) if files.is_empty() => view! { <p class="empty">"No differences."</p> }.into_any(),
            Ok(files) => view! { <ChangedFiles files line_diffs=Some(v.clone())/> }.into_any(),
            Err(error) => view! { <ApiErrorView error/> }.into_any(),
        }}
    }
}

/// Files that changed, each linked to its line diff in `line_diffs` (the view whose `from` and
/// `to` it compares), when there is one.
#[component]
fn ChangedFiles(
    files: Vec<depot_domain::versioning::FileDiff>,
    line_diffs: Option<DotView>,
) -> impl IntoView {
    view! {
        <table class="data diff">
            <thead><tr><th>"Change"</th><th>"Path"</th><th>"Size"</th></tr></thead>
            <tbody>
                {files.into_iter().map(|f| {
                    let kind = match f.change {
                        ChangeKind::Added => "added",
                        ChangeKind::Modified => "modified",
                        ChangeKind::Deleted => "deleted",
                    };
                    let path = match &line_diffs {
                        Some(view) => view! {
                            <a href=view.with_file(&f.path) title="Show the changed lines">{f.path.clone()}</a>
                        }.into_any(),
                        None => view! { <span>{f.path.clone()}</span> }.into_any(),
                    };
                    view! {
                        <tr class=format!("change-{kind}")>
                            <td><span class=format!("badge {kind}")>{kind}</span></td>
                            <td>{path}</td>
                            <td class="number">{human_size(f.size_bytes)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The commit chosen in the graph, as lakeFS shows one: its message, author, time, id, parent
/// and metadata, and what it changed against its parent.
#[component]
fn CommitDetail(
    commit: GraphCommit,
    changed: Result<Vec<depot_domain::versioning::FileDiff>, ApiError>,
    view_state: Memo<DotView>,
) -> impl IntoView {
    // Dotmesh keeps the message, author and time among the metadata: the rest is the user's.
    const DOTMESH_FIELDS: [&str; 3] = ["message", "author", "timestamp"];
    let metadata: Vec<(String, String)> = commit
        .metadata
        .iter()
        .filter(|(name, _)| !DOTMESH_FIELDS.contains(&name.as_str()))
        .map(|(name, value)| {
            let text = value.as_str().map(str::to_string);
            (name.clone(), text.unwrap_or_else(|| value.to_string()))
        })
        .collect();
    let v = view_state.get_untracked();
    // A first commit has no parent to compare lines with: its files are listed, not linked.
    let line_diffs = commit.parent.clone().map(|parent| DotView {
        from: parent,
        to: commit.id.clone(),
        ..v.clone()
    });
    let parent = match commit.parent.clone() {
        Some(parent) => view! {
            <a href=v.href(&v.branch, &parent)><code>{short(&parent).to_string()}</code></a>
        }
        .into_any(),
        None => view! { <span>"none: the dot's first commit"</span> }.into_any(),
    };
    view! {
        <section class="commit-detail" aria-labelledby="commit-detail">
            <h2 id="commit-detail">{format!("Commit {}", short(&commit.id))}</h2>
            <dl class="facts">
                <dt>"Message"</dt><dd>{commit.message.clone()}</dd>
                <dt>"Author"</dt><dd>{commit.author.clone()}</dd>
                <dt>"Made"</dt><dd><LocalTime at=commit.at.clone()/></dd>
                <dt>"Id"</dt><dd><code>{commit.id.clone()}</code></dd>
                <dt>"Parent"</dt><dd>{parent}</dd>
                <dt>"Files"</dt><dd>{format!("{} · {}", commit.file_count, human_size(commit.size_bytes))}</dd>
                {metadata.into_iter().map(|(name, value)| view! { <dt>{name}</dt><dd>{value}</dd> }).collect_view()}
            </dl>
            <h3>"Changed in this commit"</h3>
            {match changed {
                Ok(files) if files.is_empty() => view! { <p class="empty">"No files changed."</p> }.into_any(),
                Ok(files) => view! { <ChangedFiles files line_diffs/> }.into_any(),
                Err(error) => view! { <ApiErrorView error/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}
