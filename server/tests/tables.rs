//! API.md §1 "Tables": sandman2-compatible REST over Chinook, on SQLite and PostgreSQL.
//! The two Chinooks differ only in naming (`Artist.ArtistId` vs `artist.artist_id`) and in
//! PostgreSQL's keys not being autoincrement, which the tests spell out where it matters.

mod support;

use reqwest::header::{ETAG, IF_MATCH, IF_NONE_MATCH, LINK, LOCATION};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use support::{
    each_text, from_page, header_text, status_and_json, Answered, Backend, Chinook, TestServer,
};

/// Chinook's names on each backend.
struct Names {
    artist_id: &'static str,
    name: &'static str,
    album_id: &'static str,
    title: &'static str,
    track_id: &'static str,
    milliseconds: &'static str,
    playlist_track: &'static str,
}

fn names(backend: Backend) -> Names {
    match backend {
        Backend::Sqlite => Names {
            artist_id: "ArtistId",
            name: "Name",
            album_id: "AlbumId",
            title: "Title",
            track_id: "TrackId",
            milliseconds: "Milliseconds",
            playlist_track: "playlisttrack",
        },
        Backend::Postgres => Names {
            artist_id: "artist_id",
            name: "name",
            album_id: "album_id",
            title: "title",
            track_id: "track_id",
            milliseconds: "milliseconds",
            playlist_track: "playlist_track",
        },
    }
}

async fn get(server: &TestServer, path: &str) -> (StatusCode, Value) {
    server.as_admin(server.get(path)).answer().await
}

/// The admin's `GET path`, for its headers as well as its body.
async fn admin_response(server: &TestServer, path: &str) -> Response {
    server.as_admin(server.get(path)).response().await
}

/// The admin's `method path`, to be given a JSON body or none.
fn admin(server: &TestServer, method: Method, path: &str) -> RequestBuilder {
    server.as_admin(server.client.request(method, server.url(path)))
}

/// The target of the `rel=next` link of `response`, if it has one.
fn next_link(response: &Response) -> Option<String> {
    let link = response.headers().get(LINK)?.to_str().unwrap();
    let next = link.split(", ").find(|l| l.ends_with("rel=next"))?;
    Some(
        next.trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_string(),
    )
}

/// Chinook, counted exactly only up to 1,000 rows, with PostgreSQL's estimates fresh (they are
/// its planner's statistics, which ANALYZE refreshes).
async fn with_estimated_totals(backend: Backend) -> (TestServer, Chinook) {
    let (server, chinook) =
        TestServer::with_chinook_and(backend, |c| c.exact_count_limit = 1000).await;
    if let Backend::Postgres = backend {
        let store = depot_domain::Store::connect(&chinook.attachment.url)
            .await
            .unwrap();
        sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
        store.close().await;
    }
    (server, chinook)
}

fn resources(body: &Value) -> &Vec<Value> {
    body["resources"].as_array().expect("a collection")
}

async fn the_index_lists_every_table_with_its_key(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let (status, index) = get(&server, "/db/chinook/").await;
    assert_eq!(status, StatusCode::OK);
    let artist = if matches!(backend, Backend::Sqlite) {
        "Artist"
    } else {
        "artist"
    };
    assert_eq!(index[artist], format!("/artist{{/{}}}", n.artist_id));
    assert_eq!(index.as_object().unwrap().len(), 11);
    let (status, _) = get(&server, "/db/nosuch/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_collection_lists_rows_with_total_and_links(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let response = admin_response(&server, "/db/chinook/artist/").await;
    assert_eq!(response.headers()["x-total-count"], "275");
    assert!(response.headers().contains_key(ETAG));
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resources(&body).len(), 275);
    assert_eq!(
        resources(&body)[0],
        json!({n.artist_id: 1, n.name: "AC/DC"})
    );

    // Unlike sandman2, a big table is not sent whole: 1,000 rows and a link to the rest.
    let capped = admin_response(&server, "/db/chinook/track/").await;
    assert_eq!(capped.headers()["x-total-count"], "3503");
    assert!(
        capped.headers()[LINK].to_str().unwrap().contains("after="),
        "a next link by cursor"
    );
    assert_eq!(
        resources(&capped.json::<Value>().await.unwrap()).len(),
        1000
    );
}

async fn large_tables_report_an_estimated_total(backend: Backend) {
    let (server, _db) = with_estimated_totals(backend).await;
    let tracks = admin_response(&server, "/db/chinook/track/?limit=5").await;
    assert!(!tracks.headers().contains_key("x-total-count"));
    let estimate: i64 = tracks.headers()["x-total-count-estimate"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3000..=4000).contains(&estimate), "{estimate}");
    let small = admin_response(&server, "/db/chinook/genre/").await;
    assert_eq!(small.headers()["x-total-count"], "25");
    let filtered = admin_response(
        &server,
        &format!("/db/chinook/track/?{}__lt=10", names(backend).track_id),
    )
    .await;
    assert_eq!(
        filtered.headers()["x-total-count"],
        "9",
        "a filtered selection is counted"
    );
}

async fn filters_sorts_and_pages_like_sandman2(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let (_, albums) = get(&server, &format!("/db/chinook/album/?{}=1", n.artist_id)).await;
    assert_eq!(resources(&albums).len(), 2);

    let response = admin_response(&server, "/db/chinook/track/?page=10").await;
    let link = response.headers()[LINK].to_str().unwrap().to_string();
    let (_, tracks) = status_and_json(response).await;
    assert_eq!(resources(&tracks).len(), 20);
    assert_eq!(resources(&tracks)[0][n.track_id], 181);
    for rel in ["rel=first", "rel=prev", "rel=next", "rel=last"] {
        assert!(link.contains(rel), "{link}");
    }
    assert!(
        link.contains("page=176"),
        "last page of 3503 tracks: {link}"
    );

    let (_, sorted) = get(&server, &format!("/db/chinook/artist/?sort=-{}", n.name)).await;
    assert_eq!(resources(&sorted)[0][n.name], "Zeca Pagodinho");

    let (_, like) = get(&server, &format!("/db/chinook/artist/?{}=%25%25DC", n.name)).await;
    assert_eq!(
        resources(&like)
            .iter()
            .map(|r| r[n.name].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["AC/DC"]
    );

    let (_, limited) = get(&server, "/db/chinook/artist/?limit=5").await;
    assert_eq!(resources(&limited).len(), 5);

    let (status, past_end) = get(&server, "/db/chinook/artist/?page=999").await;
    assert_eq!(
        (status, past_end),
        (StatusCode::OK, json!({"resources": []}))
    );
}

async fn comparison_operators_and_multi_key_sort(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let (_, long) = get(
        &server,
        &format!(
            "/db/chinook/track/?{}__gt=5000000&limit=100",
            n.milliseconds
        ),
    )
    .await;
    assert!(!resources(&long).is_empty());
    assert!(resources(&long)
        .iter()
        .all(|t| t[n.milliseconds].as_i64().unwrap() > 5_000_000));
    let (_, some) = get(
        &server,
        &format!("/db/chinook/artist/?{}__in=1,2,3", n.artist_id),
    )
    .await;
    assert_eq!(resources(&some).len(), 3);
    let (_, range) = get(
        &server,
        &format!("/db/chinook/artist/?{0}__gte=10&{0}__lt=20", n.artist_id),
    )
    .await;
    assert_eq!(resources(&range).len(), 10);
    let (_, not_one) = get(
        &server,
        &format!("/db/chinook/artist/?{}__ne=1&limit=1", n.artist_id),
    )
    .await;
    assert_eq!(resources(&not_one)[0][n.artist_id], 2);
    let (_, insensitive) = get(
        &server,
        &format!("/db/chinook/artist/?{}__ilike=ac%25", n.name),
    )
    .await;
    assert!(resources(&insensitive).iter().any(|r| r[n.name] == "AC/DC"));
    let (_, nulls) = get(
        &server,
        "/db/chinook/employee/?reports_to__null=true"
            .replace(
                "reports_to",
                if matches!(backend, Backend::Sqlite) {
                    "ReportsTo"
                } else {
                    "reports_to"
                },
            )
            .as_str(),
    )
    .await;
    assert_eq!(resources(&nulls).len(), 1);
    let (_, multi) = get(
        &server,
        &format!(
            "/db/chinook/album/?sort={},-{}&limit=3",
            n.artist_id, n.title
        ),
    )
    .await;
    let titles: Vec<&str> = resources(&multi)
        .iter()
        .map(|a| a[n.title].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Let There Be Rock",
            "For Those About To Rock We Salute You",
            "Restless and Wild"
        ]
    );
}

async fn search_finds_text_in_any_column(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let response = admin_response(&server, "/db/chinook/artist/?search=zeppelin").await;
    assert_eq!(response.headers()["x-total-count"], "2");
    let (_, found) = status_and_json(response).await;
    let names_found: Vec<&str> = resources(&found)
        .iter()
        .map(|r| r[n.name].as_str().unwrap())
        .collect();
    assert_eq!(names_found, ["Led Zeppelin", "Dread Zeppelin"]);
    let (_, by_id) = get(
        &server,
        &format!("/db/chinook/album/?search=Rock&{}=1", n.artist_id),
    )
    .await;
    assert_eq!(resources(&by_id).len(), 2, "search and filters combine");
    let (_, literal) = get(&server, "/db/chinook/artist/?search=100%25").await;
    assert_eq!(
        resources(&literal).len(),
        0,
        "% is searched for, not a wildcard"
    );
}

async fn tables_without_a_primary_key_are_listed_read_only(backend: Backend) {
    let (server, chinook) = TestServer::with_chinook(backend).await;
    let store = depot_domain::Store::connect(&chinook.attachment.url)
        .await
        .unwrap();
    sqlx::query("CREATE TABLE event_log (happened TEXT, what TEXT)")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO event_log VALUES ('2026-01-01', 'first'), ('2026-01-02', 'second')")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    let reload = server
        .as_admin(server.post("/api/db/chinook/reload"))
        .response()
        .await;
    assert_eq!(reload.status(), StatusCode::OK);
    let (_, index) = get(&server, "/db/chinook/").await;
    assert_eq!(index["event_log"], "/event_log");
    let (status, rows) = get(&server, "/db/chinook/event_log/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resources(&rows).len(), 2);
    let (status, body) = server
        .as_admin(server.post("/db/chinook/event_log/"))
        .json(&json!({"what": "third"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        "table event_log has no primary key, so its rows cannot be addressed for writing"
    );
    assert_eq!(
        get(&server, "/db/chinook/event_log/1").await,
        (StatusCode::NOT_FOUND, json!({"message": null}))
    );
}

async fn the_browser_api_names_the_field_a_refusal_is_about(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let save = |values: Value, key: Option<&str>| {
        server.as_admin(server.post("/api/tables/save")).json(
            &json!({"db": "chinook", "table": "album", "key": key, "values": values, "etag": null}),
        )
    };
    let (status, body) = save(json!({n.artist_id: "many"}), Some("1")).answer().await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["fields"], json!([n.artist_id]));
    let (status, body) = save(json!({n.title: "No artist"}), None).answer().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["fields"]
            .as_array()
            .unwrap()
            .contains(&json!(n.artist_id)),
        "{body}"
    );
    let (status, body) = save(json!({"Nope": 1}), Some("1")).answer().await;
    assert_eq!(
        (status, &body["fields"]),
        (StatusCode::BAD_REQUEST, &json!(["Nope"]))
    );
    if let Backend::Postgres = backend {
        let (status, body) = server
            .as_admin(server.post("/api/tables/save"))
            .json(&json!({"db": "chinook", "table": "artist", "key": null, "values": {"artist_id": 1, "name": "Again"}, "etag": null}))
            .answer()
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["fields"], json!(["artist_id"]), "{body}");
    }
}

/// The row form posted before or without the page's script: every field as typed, a blank one
/// left out of a new row and empty in an edit, the key's own fields not written; the browser is
/// sent to the saved row, and after a delete to the table.
async fn a_plain_row_form_saves_and_deletes_and_sends_the_browser_on(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let page = server.url("/tables/chinook/artist/new");
    let post_form = |path: &'static str, fields: Vec<(String, String)>| {
        from_page(server.as_admin(server.post(path)), &page)
            .form(&fields)
            .response()
    };
    let fields = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut all = vec![
            ("db".to_string(), "chinook".to_string()),
            ("table".to_string(), "artist".to_string()),
            ("plain_form".to_string(), "true".to_string()),
        ];
        all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    };
    // SQLite numbers a blank key itself; PostgreSQL's Chinook has no default for it.
    let new_id = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => "9001",
    };
    let id_field = format!("values[{}]", n.artist_id);
    let name_field = format!("values[{}]", n.name);
    let created = post_form(
        "/api/tables/save",
        fields(&[(&id_field, new_id), (&name_field, "Plain Form Band")]),
    )
    .await;
    assert_eq!(created.status(), StatusCode::FOUND);
    let location = created.headers()[LOCATION].to_str().unwrap().to_string();
    let key = location
        .strip_prefix("/tables/chinook/artist/row/")
        .and_then(|rest| rest.strip_suffix("?saved=1"))
        .unwrap_or_else(|| panic!("sent to the new row: {location}"))
        .to_string();
    let (status, row) = get(&server, &format!("/db/chinook/artist/{key}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(row[n.name], "Plain Form Band", "{row}");

    // Edited: the name emptied is no name; the key's field, sent too, is not written.
    let edited = post_form(
        "/api/tables/save",
        fields(&[("key", &key), (&id_field, "424242"), (&name_field, "")]),
    )
    .await;
    assert_eq!(edited.status(), StatusCode::FOUND);
    assert_eq!(
        edited.headers()[LOCATION],
        format!("/tables/chinook/artist/row/{key}?saved=1").as_str()
    );
    let (_, row) = get(&server, &format!("/db/chinook/artist/{key}")).await;
    assert_eq!(row[n.name], Value::Null, "{row}");

    // A refusal comes back to the page the form was on, for it to show.
    let refused = post_form(
        "/api/tables/save",
        fields(&[(&id_field, "1"), (&name_field, "AC/DC again")]),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let back = refused.headers()[LOCATION].to_str().unwrap();
    assert!(back.starts_with(&format!("{page}?")), "{back}");
    assert!(back.contains("__err="), "{back}");

    let deleted = post_form("/api/tables/delete", fields(&[("key", &key)])).await;
    assert_eq!(deleted.status(), StatusCode::FOUND);
    assert_eq!(deleted.headers()[LOCATION], "/tables/chinook/artist");
    let (status, _) = get(&server, &format!("/db/chinook/artist/{key}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_browser_pages_large_tables_by_cursor(backend: Backend) {
    let (server, _db) = with_estimated_totals(backend).await;
    let html = server.get_text_as_admin("/tables/chinook/track").await;
    assert!(
        html.contains("about "),
        "an estimated total is said to be one"
    );
    let next = html
        .split("href=\"")
        .find(|h| h.contains("after="))
        .expect("a Next link by cursor");
    let next = next.split('"').next().unwrap().replace("&amp;", "&");
    let second = server.get_text_as_admin(&next).await;
    assert!(
        second.contains(&format!("data-key=\"{}\"", 21)),
        "the second page starts at track 21"
    );
    assert!(!second.contains("data-key=\"20\""));
}

async fn bad_parameters_are_400_not_crashes(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    for (query, message) in [
        ("sort=Nope".to_string(), "Invalid field [Nope]".to_string()),
        ("sort=-Nope".to_string(), "Invalid field [Nope]".to_string()),
        ("Nope=1".to_string(), "Invalid field [Nope]".to_string()),
        (
            "page=0".to_string(),
            "page must be a whole number from 1".to_string(),
        ),
        (
            "page=abc".to_string(),
            "page must be a whole number from 1".to_string(),
        ),
        (
            "limit=-3".to_string(),
            "limit must be a whole number from 1".to_string(),
        ),
        (
            "after=garbage".to_string(),
            "after must be a cursor".to_string(),
        ),
        (
            format!("{}__null=maybe", n.name),
            format!("{}__null takes true or false", n.name),
        ),
        (
            format!("{}__gt=abc", n.artist_id),
            format!("{} takes whole numbers, not \"abc\"", n.artist_id),
        ),
    ] {
        let (status, body) = get(&server, &format!("/db/chinook/artist/?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            body["message"].as_str().unwrap().starts_with(&message),
            "{query}: {body}"
        );
    }
}

async fn meta_shows_declared_types_and_required(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let (status, meta) = get(&server, "/db/chinook/artist/meta").await;
    assert_eq!(status, StatusCode::OK);
    let expected = match backend {
        Backend::Sqlite => json!({"ArtistId": "INTEGER (required)", "Name": "NVARCHAR(120)"}),
        Backend::Postgres => json!({"artist_id": "INTEGER (required)", "name": "VARCHAR(120)"}),
    };
    assert_eq!(meta, expected);
    assert_eq!(
        serde_json::to_string(&meta).unwrap(),
        serde_json::to_string(&expected).unwrap(),
        "columns in table order"
    );
}

async fn one_row_with_etag_links_and_404(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let response = admin_response(&server, "/db/chinook/album/1").await;
    let etag = response.headers()[ETAG].to_str().unwrap().to_string();
    let link = response.headers()[LINK].to_str().unwrap().to_string();
    assert_eq!(link, "</db/chinook/album/1>; rel=self, </db/chinook/album/1>; rel=related, </db/chinook/artist/1>; rel=related");
    let (status, album) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        album,
        json!({n.album_id: 1, n.title: "For Those About To Rock We Salute You", n.artist_id: 1})
    );
    let cached = server
        .as_admin(server.get("/db/chinook/album/1"))
        .header(IF_NONE_MATCH, &etag)
        .response()
        .await;
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    let head = server
        .as_admin(server.client.head(server.url("/db/chinook/album/1")))
        .response()
        .await;
    assert_eq!(head.status(), StatusCode::OK);
    for missing in [
        "/db/chinook/album/99999",
        "/db/chinook/album/abc",
        "/db/chinook/nosuch/1",
    ] {
        assert_eq!(
            get(&server, missing).await,
            (StatusCode::NOT_FOUND, json!({"message": null})),
            "{missing}"
        );
    }
}

async fn dates_and_decimals_read_as_iso_and_numbers(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let (_, invoice) = get(&server, "/db/chinook/invoice/1").await;
    let (date, total) = match backend {
        Backend::Sqlite => (&invoice["InvoiceDate"], &invoice["Total"]),
        Backend::Postgres => (&invoice["invoice_date"], &invoice["total"]),
    };
    assert_eq!(date, "2021-01-01T00:00:00");
    assert_eq!(total.as_f64(), Some(1.98));
}

async fn post_creates_and_explains_what_is_wrong(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let body = match backend {
        // SQLite's INTEGER PRIMARY KEY is assigned by the database…
        Backend::Sqlite => json!({"Name": "Jeff Knupp"}),
        // …PostgreSQL's Chinook has plain integer keys, which the caller gives.
        Backend::Postgres => json!({"artist_id": 276, "name": "Jeff Knupp"}),
    };
    let created = server
        .as_admin(server.post("/db/chinook/artist/"))
        .json(&body)
        .response()
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()[LOCATION], "/db/chinook/artist/276");
    let (_, row) = status_and_json(created).await;
    assert_eq!(row, json!({n.artist_id: 276, n.name: "Jeff Knupp"}));

    let again = server
        .as_admin(server.post("/db/chinook/artist/"))
        .json(&body)
        .response()
        .await;
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "an identical POST creates nothing"
    );

    let cases = vec![
        (
            json!({n.name: "x", "Age": 32}),
            "Unknown field [Age]".to_string(),
        ),
        (json!({}), "No data received from request".to_string()),
        (json!([1, 2]), "No data received from request".to_string()),
    ];
    for (body, message) in cases {
        let (status, answer) = server
            .as_admin(server.post("/db/chinook/artist/"))
            .json(&body)
            .answer()
            .await;
        assert_eq!(
            (status, answer),
            (StatusCode::BAD_REQUEST, json!({"message": message}))
        );
    }
    let garbage = server
        .as_admin(server.post("/db/chinook/artist/"))
        .body("not json");
    assert_eq!(
        garbage.answer().await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "No data received from request"})
        )
    );

    let (status, answer) = server
        .post_as_admin(
            "/db/chinook/album/",
            json!({n.title: "For Those About To Rock"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let missing = match backend {
        Backend::Sqlite => "The following required fields are missing: ArtistId",
        Backend::Postgres => "The following required fields are missing: album_id, artist_id",
    };
    assert_eq!(answer, json!({"message": missing}));

    if let Backend::Sqlite = backend {
        // sandman2 counts an autoincrement key as unknown on POST.
        let (status, answer) = server
            .post_as_admin("/db/chinook/artist/", json!({"ArtistId": 900, "Name": "x"}))
            .await;
        assert_eq!(
            (status, answer),
            (
                StatusCode::BAD_REQUEST,
                json!({"message": "Unknown field [ArtistId]"})
            )
        );
    }
}

async fn constraint_violations_are_409_naming_the_column(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let (status, body) = server
        .as_admin(server.patch("/db/chinook/album/1"))
        .json(&json!({n.artist_id: "many"}))
        .answer()
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["message"].as_str().unwrap().contains(n.artist_id),
        "{body}"
    );
    // The refusal names the table and column of the broken reference, not only "FOREIGN KEY
    // constraint failed" (SQLite's words).
    let (dangling_says, referenced_says) = match backend {
        Backend::Sqlite => (
            "FOREIGN KEY constraint failed: Album.ArtistId = 99999 is not present in Artist.ArtistId",
            "FOREIGN KEY constraint failed: Artist.ArtistId = 1 is still referenced from Album.ArtistId",
        ),
        Backend::Postgres => (
            "Key (artist_id)=(99999) is not present in table \"artist\"",
            "Key (artist_id)=(1) is still referenced from table \"album\"",
        ),
    };
    // SQLite's key is AUTOINCREMENT (not given on POST); PostgreSQL's must be.
    let new_album = match backend {
        Backend::Sqlite => json!({n.title: "X", n.artist_id: 99999}),
        Backend::Postgres => json!({n.album_id: 999, n.title: "X", n.artist_id: 99999}),
    };
    for (method, path, body) in [
        (
            Method::PATCH,
            "/db/chinook/album/1",
            json!({n.artist_id: 99999}),
        ),
        (
            Method::PUT,
            "/db/chinook/album/1",
            json!({n.artist_id: 99999}),
        ),
        (Method::POST, "/db/chinook/album/", new_album),
    ] {
        let (status, body) = server
            .as_admin(server.client.request(method.clone(), server.url(path)))
            .json(&body)
            .answer()
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(dangling_says),
            "{method} {path}: {message}"
        );
    }
    let (status, body) = server
        .as_admin(server.delete("/db/chinook/artist/1"))
        .answer()
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "albums still refer to artist 1: {body}"
    );
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(referenced_says), "{message}");
    assert_eq!(
        get(&server, "/db/chinook/artist/1").await.0,
        StatusCode::OK,
        "nothing was deleted"
    );
}

async fn put_upserts_with_the_key_from_the_url(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let put = |key: &str| admin(&server, Method::PUT, &format!("/db/chinook/artist/{key}"));
    let (status, updated) = put("3").json(&json!({n.name: "Aerosmith!"})).answer().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated, json!({n.artist_id: 3, n.name: "Aerosmith!"}));
    let (status, created) = put("5000").json(&json!({n.name: "New"})).answer().await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created, json!({n.artist_id: 5000, n.name: "New"}));
    assert_eq!(
        put("3").answer().await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "No data received from request"})
        )
    );
}

async fn patch_updates_and_delete_removes(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let album = |key: &str| admin(&server, Method::PATCH, &format!("/db/chinook/album/{key}"));
    let (status, patched) = album("6").json(&json!({n.artist_id: 3})).answer().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched[n.artist_id], 3);
    assert_eq!(
        album("99999").json(&json!({n.artist_id: 3})).answer().await,
        (StatusCode::NOT_FOUND, json!({"message": null}))
    );
    assert_eq!(
        album("6").answer().await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "No JSON data received"})
        )
    );

    let temporary = "/db/chinook/artist/4000";
    let fresh = admin(&server, Method::PUT, temporary).json(&json!({n.name: "Temporary"}));
    assert_eq!(fresh.answer_status().await, StatusCode::CREATED);
    let deleted = admin(&server, Method::DELETE, temporary)
        .answer_status()
        .await;
    assert_eq!(deleted, StatusCode::NO_CONTENT);
    assert_eq!(
        admin(&server, Method::DELETE, temporary).answer().await,
        (StatusCode::NOT_FOUND, json!({"message": null}))
    );
}

async fn if_match_refuses_lost_updates(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let first = admin_response(&server, "/db/chinook/artist/5").await;
    let etag = first.headers()[ETAG].to_str().unwrap().to_string();
    // Artist 5, if its entity tag is `tag`.
    let if_match = |method: Method, tag: &str| {
        admin(&server, method, "/db/chinook/artist/5").header(IF_MATCH, tag)
    };
    let mine = if_match(Method::PATCH, &etag).json(&json!({n.name: "Mine"}));
    assert_eq!(mine.answer_status().await, StatusCode::OK);
    // Reads are conditional too (RFC 9110 §13.1.1, as sandman2 does): a stale tag is 412.
    for method in [Method::GET, Method::HEAD] {
        let stale_read = if_match(method.clone(), &etag).answer_status().await;
        assert_eq!(stale_read, StatusCode::PRECONDITION_FAILED, "{method}");
    }
    let (_, stale_get) = if_match(Method::GET, &etag).answer().await;
    assert_eq!(
        stale_get,
        json!({"status": 412, "error": "precondition failed"})
    );
    let current = admin_response(&server, "/db/chinook/artist/5").await;
    let current_tag = current.headers()[ETAG].to_str().unwrap().to_string();
    for admitted in [
        current_tag.as_str(),
        "*",
        &format!("\"other\", {current_tag}"),
    ] {
        let read = if_match(Method::GET, admitted).answer_status().await;
        assert_eq!(read, StatusCode::OK, "If-Match: {admitted}");
    }
    let theirs = if_match(Method::PATCH, &etag).json(&json!({n.name: "Theirs"}));
    assert_eq!(
        theirs.answer().await,
        (
            StatusCode::PRECONDITION_FAILED,
            json!({"status": 412, "error": "precondition failed"})
        )
    );
    let stale_delete = if_match(Method::DELETE, &etag).answer_status().await;
    assert_eq!(stale_delete, StatusCode::PRECONDITION_FAILED);
    assert_eq!(get(&server, "/db/chinook/artist/5").await.1[n.name], "Mine");
}

async fn composite_keys_address_playlist_tracks(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let path = format!("/db/chinook/{}/1,3402", names(backend).playlist_track);
    let (status, row) = get(&server, &path).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    let deleted = server.as_admin(server.delete(&path)).response().await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(get(&server, &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        get(
            &server,
            &format!("/db/chinook/{}/1", names(backend).playlist_track)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

async fn keyset_paging_walks_every_row_once(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let mut next = Some("/db/chinook/track/?limit=500".to_string());
    let mut seen = Vec::new();
    while let Some(url) = next.take() {
        let response = admin_response(&server, &url).await;
        next = next_link(&response);
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        seen.extend(
            resources(&body)
                .iter()
                .map(|t| t[n.track_id].as_i64().unwrap()),
        );
    }
    assert_eq!(seen.len(), 3503);
    assert_eq!(seen, (1..=3503).collect::<Vec<_>>());

    // With a sort on a column with duplicates, the key breaks ties and nothing repeats.
    let mut next = Some(format!(
        "/db/chinook/track/?sort=-{}&limit=700",
        n.milliseconds
    ));
    let mut sorted = Vec::new();
    while let Some(url) = next.take() {
        let response = admin_response(&server, &url).await;
        next = next_link(&response);
        let body: Value = response.json().await.unwrap();
        sorted.extend(resources(&body).iter().map(|t| {
            (
                t[n.milliseconds].as_i64().unwrap(),
                t[n.track_id].as_i64().unwrap(),
            )
        }));
    }
    assert_eq!(sorted.len(), 3503);
    assert!(sorted
        .windows(2)
        .all(|w| w[0].0 > w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1)));
}

async fn ndjson_and_csv_stream_the_selection(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let ndjson = server
        .as_admin(server.get("/db/chinook/artist/"))
        .header("accept", "application/x-ndjson")
        .response()
        .await;
    assert_eq!(ndjson.headers()["content-type"], "application/x-ndjson");
    let text = ndjson.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 275);
    assert_eq!(lines[0], json!({n.artist_id: 1, n.name: "AC/DC"}));

    let csv = admin_response(&server, "/db/chinook/artist/?export").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let rows: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 276);
    assert_eq!(rows[0], format!("{},{}", n.artist_id, n.name));
    assert_eq!(rows[1], "1,AC/DC");
    // RFC 4180: a field with a comma is quoted.
    assert!(
        rows.contains(&"49,\"Edson, DJ Marky & DJ Patife Featuring Fernanda Porto\""),
        "a quoted field"
    );

    let filtered = server
        .get_text_as_admin(&format!("/db/chinook/album/?{}=1&export", n.artist_id))
        .await;
    assert_eq!(filtered.split("\r\n").filter(|l| !l.is_empty()).count(), 3);
}

async fn the_surface_needs_credentials_and_a_writer_to_write(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let (status, body) = server.get("/db/chinook/artist/1").answer().await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"message": "authentication required"})
        )
    );
    let (status, body) = server
        .get("/db/chinook/artist/1")
        .bearer_auth("depot_nope")
        .answer()
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"message": "invalid credentials"})
        )
    );
    let reader = server.user_with_key("rita", "reader").await;
    assert_eq!(
        server
            .get("/db/chinook/artist/1")
            .bearer_auth(&reader)
            .answer_status()
            .await,
        StatusCode::OK
    );
    let (status, body) = server
        .client
        .delete(server.url("/db/chinook/artist/1"))
        .bearer_auth(&reader)
        .answer()
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["message"].as_str().unwrap().contains("role reader"),
        "{body}"
    );
}

/// The audit log's Tables entries, newest first.
async fn tables_audit(server: &TestServer) -> Value {
    let request = server.as_admin(server.get("/api/audit?surface=tables"));
    request.answer().await.1
}

async fn writes_are_audited(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    server
        .as_admin(server.patch("/db/chinook/artist/7"))
        .json(&json!({n.name: "Changed"}))
        .response()
        .await;
    let entries = tables_audit(&server).await;
    assert_eq!(entries[0]["object"], "chinook/artist/7");
    assert_eq!(entries[0]["action"], "update");
    // What changed, from what to what.
    let changed =
        json!({"fields": [n.name], "changes": {n.name: {"from": "Apocalyptica", "to": "Changed"}}});
    assert_eq!(entries[0]["summary"], changed);
}

/// The admin UI's saves and deletes (its server functions) are audited like REST writes: the
/// rule lives in the Tables write services, whichever face calls them.
async fn rows_written_from_the_admin_ui_are_audited(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let call = |function: &str, body: Value| {
        server
            .as_admin(server.post(&format!("/api/tables/{function}")))
            .json(&body)
    };
    let saved = call(
        "save",
        json!({"db": "chinook", "table": "artist", "key": "7", "values": {n.name: "From the UI"}, "etag": null}),
    );
    assert_eq!(saved.answer_status().await, StatusCode::OK);
    // SQLite's key is AUTOINCREMENT (not given); PostgreSQL's must be.
    let values = match backend {
        Backend::Sqlite => json!({n.name: "New"}),
        Backend::Postgres => json!({n.artist_id: 9001, n.name: "New"}),
    };
    let (status, created) = call(
        "save",
        json!({"db": "chinook", "table": "artist", "key": null, "values": values, "etag": null}),
    )
    .answer()
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let new_key = created["key"].as_str().unwrap().to_string();
    let deleted = call(
        "delete",
        json!({"db": "chinook", "table": "artist", "key": new_key, "etag": null}),
    );
    assert_eq!(deleted.answer_status().await, StatusCode::OK);
    let reader = server.user_with_key("rita", "reader").await;
    let refused = server
        .post("/api/tables/save")
        .bearer_auth(&reader)
        .json(&json!({"db": "chinook", "table": "artist", "key": "7", "values": {n.name: "No"}, "etag": null}))
        .response()
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let entries = tables_audit(&server).await;
    let seen: Vec<(&str, &str)> = each_text(&entries, "action")
        .into_iter()
        .zip(each_text(&entries, "object"))
        .collect();
    let new_row = format!("chinook/artist/{new_key}");
    let expected = [
        ("delete", new_row.as_str()),
        ("create", &new_row),
        ("update", "chinook/artist/7"),
    ];
    assert_eq!(
        seen, expected,
        "newest first; the refused save left no record"
    );
    assert_eq!(entries[2]["actor"], "admin");
    let changed = json!({"fields": [n.name], "changes": {n.name: {"from": "Apocalyptica", "to": "From the UI"}}});
    assert_eq!(entries[2]["summary"], changed);
}

async fn options_answers_allow(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let response = server
        .client
        .request(reqwest::Method::OPTIONS, server.url("/db/chinook/artist/"))
        .response()
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(header_text(&response, "allow").contains("PATCH"));
}

async fn sql_injection_through_every_parameter_changes_nothing(backend: Backend) {
    let (server, _db) = TestServer::with_chinook(backend).await;
    let n = names(backend);
    let attempts = [
        (
            "/db/chinook/artist;DROP TABLE artist/".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (
            "/db/chinook/artist%22%20--/".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!(
                "/db/chinook/artist/?{}%22%3B%20DROP%20TABLE%20artist%3B--=1",
                n.name
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/db/chinook/artist/?{}=x%27%20OR%20%271%27%3D%271", n.name),
            StatusCode::OK,
        ),
        (
            format!("/db/chinook/artist/?{}__lt=%27%20OR%201%3D1%20--", n.name),
            StatusCode::OK,
        ),
        (
            format!(
                "/db/chinook/artist/?sort={}%3B%20DROP%20TABLE%20artist",
                n.name
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/db/chinook/artist/?{}__in=1)%20OR%20(1%3D1", n.artist_id),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!(
                "/db/chinook/artist/?{}__like=%25%27%20OR%20%271%27%3D%271",
                n.name
            ),
            StatusCode::OK,
        ),
        (
            "/db/chinook/artist/?after=WyInKTsgRFJPUCBUQUJMRSBhcnRpc3Q7LS0iXQ".to_string(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/db/chinook/artist/1%20OR%201%3D1".to_string(),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (path, expected) in attempts {
        let (status, body) = get(&server, &path).await;
        assert_eq!(status, expected, "{path}: {body}");
        if status == StatusCode::OK {
            assert_eq!(
                resources(&body).len(),
                0,
                "{path} matched rows it should not"
            );
        }
    }
    let injected_value = server
        .as_admin(server.patch("/db/chinook/artist/8"))
        .json(&json!({n.name: "x'); DROP TABLE artist; --"}))
        .response()
        .await;
    assert_eq!(injected_value.status(), StatusCode::OK);
    assert_eq!(
        get(&server, "/db/chinook/artist/8").await.1[n.name],
        "x'); DROP TABLE artist; --"
    );
    let (_, all) = get(&server, "/db/chinook/artist/").await;
    assert_eq!(resources(&all).len(), 275, "the table is whole");
}

async fn depots_own_store_is_readable_but_guarded(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (status, index) = get(&server, "/db/main/").await;
    assert_eq!(status, StatusCode::OK);
    let tables: Vec<&String> = index.as_object().unwrap().keys().collect();
    assert!(
        tables.iter().any(|t| *t == "users") && tables.iter().any(|t| *t == "audit_log"),
        "{index}"
    );
    assert!(
        !tables
            .iter()
            .any(|t| *t == "sessions" || t.starts_with("_sqlx")),
        "{index}"
    );
    let (_, users) = get(&server, "/db/main/users/").await;
    assert_eq!(resources(&users)[0]["name"], "admin");
    assert!(resources(&users)[0].get("password_hash").is_none());
    let (_, keys) = get(&server, "/db/main/api_keys/").await;
    assert!(resources(&keys)[0].get("key_hash").is_none());
    let write = server
        .as_admin(server.post("/db/main/users/"))
        .json(&json!({"name": "mallory", "role": "admin", "created_at": "now"}));
    assert_eq!(
        write.answer().await,
        (
            StatusCode::FORBIDDEN,
            json!({"message": "users are managed through /api/users, which enforces their rules"})
        )
    );
    let history = server.as_admin(server.delete("/db/main/audit_log/1"));
    assert_eq!(
        history.answer().await,
        (
            StatusCode::FORBIDDEN,
            json!({"message": "the audit log is history and cannot be edited"})
        )
    );
}

/// A server on the SQLite store whose Tables surface is the one SQLite `file`, named `name`.
async fn serving_sqlite_file(name: &str, file: &std::path::Path) -> TestServer {
    let attachment = depot_domain::tables::catalog::Attachment::parse(&format!(
        "{name}=sqlite://{}",
        file.display()
    ))
    .unwrap();
    TestServer::start_with(Backend::Sqlite, move |c| c.attachments = vec![attachment]).await
}

/// The issue's own example attaches the shared, read-only Chinook file as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_sqlite_file_is_served_read_only_and_left_untouched() {
    let shared =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/chinook.sqlite");
    let folder = std::env::temp_dir().join(format!("depot_ro_{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("chinook.sqlite");
    std::fs::copy(&shared, &file).unwrap();
    let mut permissions = std::fs::metadata(&file).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&file, permissions).unwrap();
    let before = std::fs::read(&file).unwrap();

    let server = serving_sqlite_file("chinook", &file).await;
    let (status, artists) = get(&server, "/db/chinook/artist/?limit=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resources(&artists).len(), 3);
    let write = server
        .as_admin(server.post("/db/chinook/artist/"))
        .json(&json!({"Name": "x"}));
    assert_eq!(
        write.answer().await,
        (
            StatusCode::FORBIDDEN,
            json!({"message": "database chinook is a read-only file"})
        )
    );
    drop(server);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the file is unchanged"
    );
    assert!(!folder.join("chinook.sqlite-wal").exists());
    let _ = std::fs::remove_dir_all(&folder);
}

on_both_backends!(
    a_plain_row_form_saves_and_deletes_and_sends_the_browser_on,
    the_index_lists_every_table_with_its_key,
    a_collection_lists_rows_with_total_and_links,
    large_tables_report_an_estimated_total,
    filters_sorts_and_pages_like_sandman2,
    comparison_operators_and_multi_key_sort,
    search_finds_text_in_any_column,
    tables_without_a_primary_key_are_listed_read_only,
    the_browser_api_names_the_field_a_refusal_is_about,
    the_browser_pages_large_tables_by_cursor,
    bad_parameters_are_400_not_crashes,
    meta_shows_declared_types_and_required,
    one_row_with_etag_links_and_404,
    dates_and_decimals_read_as_iso_and_numbers,
    post_creates_and_explains_what_is_wrong,
    constraint_violations_are_409_naming_the_column,
    put_upserts_with_the_key_from_the_url,
    patch_updates_and_delete_removes,
    if_match_refuses_lost_updates,
    composite_keys_address_playlist_tracks,
    keyset_paging_walks_every_row_once,
    ndjson_and_csv_stream_the_selection,
    the_surface_needs_credentials_and_a_writer_to_write,
    writes_are_audited,
    rows_written_from_the_admin_ui_are_audited,
    options_answers_allow,
    sql_injection_through_every_parameter_changes_nothing,
    depots_own_store_is_readable_but_guarded,
);

/// A client that hangs up while its write waits for SQLite's write lock must not leave a pooled
/// connection inside the transaction it was beginning (which would hold the lock for every later
/// writer): the write runs to completion without the client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_hanging_up_mid_write_leaves_no_transaction_open() {
    use sqlx::Connection;
    use std::io::Write;
    let (server, chinook) = TestServer::with_chinook(Backend::Sqlite).await;
    // Another writer holds the lock, so Depot's write waits in BEGIN IMMEDIATE.
    let mut holder = sqlx::sqlite::SqliteConnection::connect(&chinook.attachment.url)
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let address = server.base.trim_start_matches("http://").to_string();
    let key = server.admin_key.clone();
    tokio::task::spawn_blocking(move || {
        let body = r#"{"Name": "written after the client left"}"#;
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "POST /db/chinook/artist/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        // Hang up while the write still waits for the lock.
    })
    .await
    .unwrap();
    sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();

    // Later writes go through at once, and the abandoned one was completed, not half-done.
    for name in ["after 1", "after 2", "after 3"] {
        let started = std::time::Instant::now();
        let (status, body) = server
            .post_as_admin("/db/chinook/artist/", json!({"Name": name}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "the write lock was free"
        );
    }
    // The abandoned write finishes on its own once the lock is free (it may come after the
    // three above: SQLite's busy handler sleeps between tries).
    let mut found = Value::Null;
    for _ in 0..60 {
        found = server
            .as_admin(server.get("/db/chinook/artist/?Name=written%20after%20the%20client%20left"))
            .answer()
            .await
            .1;
        if found["resources"]
            .as_array()
            .is_some_and(|rows| !rows.is_empty())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        found["resources"].as_array().map(Vec::len),
        Some(1),
        "{found}"
    );
}

/// A plain form's post is answered with a redirect to the saved row, whatever the table is
/// called: the address in `Location` is percent-encoded, or the header could not be made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_on_a_table_with_a_non_ascii_name_is_sent_to_an_encoded_address() {
    use sqlx::Connection;
    let folder = std::env::temp_dir().join(format!("depot_books_{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("books.sqlite");
    let _ = std::fs::remove_file(&file);
    let mut connection =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", file.display()))
            .await
            .unwrap();
    sqlx::query("CREATE TABLE \"Bücher\" (id INTEGER PRIMARY KEY, titel TEXT)")
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    let server = serving_sqlite_file("shop", &file).await;
    let page = server.url("/tables/shop/b%C3%BCcher/new");
    let saved = from_page(server.as_admin(server.post("/api/tables/save")), &page)
        .form(&[
            ("db", "shop"),
            ("table", "bücher"),
            ("plain_form", "true"),
            ("values[titel]", "Der Zauberberg"),
        ])
        .response()
        .await;
    assert_eq!(saved.status(), StatusCode::FOUND);
    assert_eq!(
        saved.headers()[LOCATION],
        "/tables/shop/b%C3%BCcher/row/1?saved=1"
    );
    let deleted = from_page(server.as_admin(server.post("/api/tables/delete")), &page)
        .form(&[
            ("db", "shop"),
            ("table", "bücher"),
            ("key", "1"),
            ("plain_form", "true"),
        ])
        .response()
        .await;
    assert_eq!(deleted.status(), StatusCode::FOUND);
    assert_eq!(deleted.headers()[LOCATION], "/tables/shop/b%C3%BCcher");
    std::fs::remove_dir_all(&folder).ok();
}
