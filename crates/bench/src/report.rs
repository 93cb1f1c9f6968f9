//! docs/benchmarks.md: the figures of a run, against the bars of the Read API issue.
use std::fmt::Write as _;

use crate::{Explain, Measurement, Scope};

/// SQL statements per page, of the server and of the floor, for each scope.
pub(crate) struct Statements {
    pub(crate) server_following: f64,
    pub(crate) server_everyone: f64,
    pub(crate) floor_following: f64,
    pub(crate) floor_everyone: f64,
}

/// One round of the session-check comparison: throughput with the check and without.
pub(crate) struct CheckRound {
    pub(crate) scope: Scope,
    pub(crate) on_rps: f64,
    pub(crate) off_rps: f64,
    pub(crate) errors: usize,
}

/// What the session check costs (`main::session_check_cost`).
pub(crate) struct SessionCheckCost {
    pub(crate) seconds: u64,
    pub(crate) rounds: Vec<CheckRound>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

impl SessionCheckCost {
    /// Median throughput with the check and without, for a scope.
    fn medians(&self, scope: Scope) -> (f64, f64) {
        let rounds = self.rounds.iter().filter(|r| r.scope == scope);
        let (on, off): (Vec<f64>, Vec<f64>) = rounds.map(|r| (r.on_rps, r.off_rps)).unzip();
        (median(on), median(off))
    }
}

/// The report, in Markdown.
#[allow(clippy::too_many_arguments)]
pub(crate) fn report(
    pg_version: &str,
    pg_vector: &str,
    counts: &[(String, i64)],
    measurements: &[Measurement],
    rss: f64,
    statements: &Statements,
    explain: &Explain,
    seconds: u64,
    check: &SessionCheckCost,
) -> String {
    let machine = machine();
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `./tribe bench` (crates/bench); rerun it to refresh every figure here.\n"
    );
    let _ = writeln!(out, "## What is measured\n");
    let _ = writeln!(
        out,
        "The feed query of the Read API issue (20 events per page, each with `actor {{ skills }}` and `target` with owners, collaborators, members and open roles), in sessions of 3 pages that follow the cursor, by random viewers (1,000 of them, each signed in: its own session and an access token naming it, checked by the server on every request), for each scope, at concurrency 4 and 16, {seconds} s per run after a warm-up. The **server** is the release build over HTTP on loopback (keep-alive connections, one per worker). The **floor** is the same pages fetched with minimal hand-written SQL (the same page query, then one batched query per relation, all seven at once) over a plain sqlx pool of 20 connections, as the server does: what the pages cost without GraphQL, HTTP and the ORM. Both run in this one process and one run, against the same database.\n"
    );
    let _ = writeln!(out, "## Machine and data\n");
    let _ = writeln!(
        out,
        "- Machine: {machine}; the load generator, the server and PostgreSQL share it."
    );
    let _ = writeln!(
        out,
        "- PostgreSQL: {pg_version}; pgvector {pg_vector} (the private development cluster: `fsync=off`)."
    );
    let _ = writeln!(out, "- Data (`tribe_bench` database, reused across runs):");
    for (table, count) in counts {
        let _ = writeln!(out, "  - {table}: {count}");
    }
    let _ = writeln!(out, "\n## Results\n");
    let _ = writeln!(
        out,
        "| scope | concurrency | target | req/s | p50 ms | p99 ms | requests | errors | server CPU ms/request |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for m in measurements {
        let cpu = m.server_cpu_ms.map_or_else(|| "—".to_owned(), |c| format!("{c:.2}"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} |",
            m.scope.name(),
            m.concurrency,
            m.target,
            m.rps(),
            m.p50_ms,
            m.p99_ms,
            m.requests,
            m.errors,
            cpu
        );
    }
    let _ = writeln!(out, "\n### Against the bars of the Read API issue\n");
    let _ = writeln!(out, "| bar | measured | met |");
    let _ = writeln!(out, "| --- | --- | --- |");
    let find = |scope: Scope, concurrency: usize, floor: bool| {
        measurements.iter().find(|m| {
            m.scope == scope && m.concurrency == concurrency && m.server_cpu_ms.is_none() == floor
        })
    };
    let yes = |ok: bool| if ok { "yes" } else { "**no**" };
    if let (Some(server), Some(floor)) =
        (find(Scope::Following, 4, false), find(Scope::Following, 4, true))
    {
        let _ = writeln!(
            out,
            "| FOLLOWING at concurrency 4: p50 ≤ 8 ms | {:.2} ms (the floor's: {:.2} ms) | {} |",
            server.p50_ms,
            floor.p50_ms,
            yes(server.p50_ms <= 8.0)
        );
        let _ = writeln!(
            out,
            "| FOLLOWING at concurrency 4: p99 ≤ 20 ms | {:.2} ms (the floor's: {:.2} ms) | {} |",
            server.p99_ms,
            floor.p99_ms,
            yes(server.p99_ms <= 20.0)
        );
    }
    for scope in [Scope::Following, Scope::Everyone] {
        for concurrency in [4, 16] {
            if let (Some(server), Some(floor)) =
                (find(scope, concurrency, false), find(scope, concurrency, true))
            {
                let share = 100.0 * server.rps() / floor.rps();
                let _ = writeln!(
                    out,
                    "| {} at concurrency {concurrency}: throughput ≥ 50 % of the floor's | {share:.0} % | {} |",
                    scope.name(),
                    yes(share >= 50.0)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "| FOLLOWING page query reads ≤ (followees + 1) × (first + 1) event rows | {:.0} index entries for a bound of {}; {:.0} table rows | {} |",
        explain.candidates,
        explain.bound,
        explain.fetched,
        yes(explain.candidates <= explain.bound as f64)
    );
    let constant = (statements.server_following - statements.server_everyone).abs() < f64::EPSILON;
    let _ = writeln!(
        out,
        "| statements per page constant | {:.2} and {:.2} | {} |",
        statements.server_following,
        statements.server_everyone,
        yes(constant)
    );
    let _ = writeln!(
        out,
        "| peak server RSS under load ≤ 150 MB | {rss:.1} MB | {} |",
        yes(rss <= 150.0)
    );
    for scope in [Scope::Following, Scope::Everyone] {
        let (on, off) = check.medians(scope);
        let lost = 100.0 * (1.0 - on / off);
        let _ = writeln!(
            out,
            "| {} at concurrency 16: the session check costs ≤ 5 % of throughput (Hardening issue) | {lost:.1} % (medians {on:.0} and {off:.0} req/s) | {} |",
            scope.name(),
            yes(lost <= 5.0)
        );
    }
    let _ = writeln!(out, "\nServer throughput as a share of the floor's:\n");
    for pair in measurements.chunks(2) {
        if let [server, floor] = pair {
            let _ = writeln!(
                out,
                "- {} at concurrency {}: {:.0} %",
                server.scope.name(),
                server.concurrency,
                100.0 * server.rps() / floor.rps()
            );
        }
    }
    let _ = writeln!(
        out,
        "\n- SQL statements per page: server {:.2} (FOLLOWING) and {:.2} (EVERYONE), counted in process by the server's own statement counter; floor {:.2} and {:.2}.",
        statements.server_following,
        statements.server_everyone,
        statements.floor_following,
        statements.floor_everyone
    );
    let _ = writeln!(out, "- Peak server RSS (VmHWM) over the whole run: {rss:.1} MB.");
    let _ = writeln!(out, "\n## The session check\n");
    let _ = writeln!(
        out,
        "Every authenticated request checks that its access token's session is live (docs/auth.md, \"Sessions that end\"), from a per-process cache kept exact by LISTEN/NOTIFY. Its cost, measured in the same run: two release servers identical but for `SESSION_CHECK` (both in development mode, the only one that allows it off, with production's GraphQL settings), each loaded in turn with the authenticated feed at concurrency 16 for {} s, {} rounds in alternating order, so that the machine's changing load falls on both alike. The ratio of the medians is the figure; the absolute numbers move with whatever else the machine runs.\n",
        check.seconds,
        check.rounds.len() / 2
    );
    let _ =
        writeln!(out, "| round | scope | check on req/s | check off req/s | on / off | errors |");
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
    for (i, r) in check.rounds.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.0} | {:.3} | {} |",
            i / 2 + 1,
            r.scope.name(),
            r.on_rps,
            r.off_rps,
            r.on_rps / r.off_rps,
            r.errors
        );
    }
    let _ = writeln!(out);
    for scope in [Scope::Following, Scope::Everyone] {
        let (on, off) = check.medians(scope);
        let _ = writeln!(
            out,
            "- {}: median {on:.0} req/s with the check, {off:.0} without: ratio {:.3}, {:.1} % of throughput lost.",
            scope.name(),
            on / off,
            100.0 * (1.0 - on / off)
        );
    }
    let _ = writeln!(
        out,
        "\n## The FOLLOWING page query at {} events\n",
        counts.iter().find(|(t, _)| t == "feed_events").map(|c| c.1).unwrap_or(0)
    );
    let _ = writeln!(
        out,
        "For a viewer following {} people, with `first + 1` = 21: the plan read **{:.0}** index entries of `feed_events` to find the page (the bound (followees + 1) × (first + 1) is {}), with {:.0} visibility checks in the table, and fetched **{:.0}** rows from the table. Each followee costs one short index-only backward scan of `feed_events_actor_id_id_idx`, stopped after 21 entries, whatever the table's size; only the page's rows are read from the table, by primary key.\n",
        explain.followees,
        explain.candidates,
        explain.bound,
        explain.visibility_checks,
        explain.fetched
    );
    let _ = writeln!(out, "```\n{}\n```", explain.text);
    out
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(0);
    format!("{cores} cores ({cpu}), {memory} memory")
}
