//! docs/benchmarks.md: the figures of a run, against the bars of the Read API issue.
use std::fmt::Write as _;

use crate::{CHECK_WORKERS, Explain, Measurement, Scope};

/// SQL statements per page, of the server and of the floor, for each scope.
pub(crate) struct Statements {
    pub(crate) server_following: f64,
    pub(crate) server_everyone: f64,
    pub(crate) floor_following: f64,
    pub(crate) floor_everyone: f64,
}

/// One round of the session-check comparison: the mean latency of the same requests with the
/// check and without, interleaved request by request.
pub(crate) struct CheckRound {
    pub(crate) scope: Scope,
    pub(crate) on_ms: f64,
    pub(crate) off_ms: f64,
}

impl CheckRound {
    /// Throughput with the check relative to without: the inverse ratio of the costs.
    fn ratio(&self) -> f64 {
        self.off_ms / self.on_ms
    }
}

/// What the session check costs (`main::session_check_cost`).
pub(crate) struct SessionCheckCost {
    pub(crate) requests_per_round: usize,
    pub(crate) rounds: Vec<CheckRound>,
    /// One cached check, timed alone in process, in nanoseconds.
    pub(crate) cached_check_ns: f64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// A scope's figures over its rounds.
struct CheckSummary {
    on_ms: f64,
    off_ms: f64,
    /// The median of the rounds' throughput ratios (with the check / without).
    ratio: f64,
    /// The same over every request of every round.
    pooled: f64,
}

impl SessionCheckCost {
    fn summary(&self, scope: Scope) -> CheckSummary {
        let rounds: Vec<&CheckRound> = self.rounds.iter().filter(|r| r.scope == scope).collect();
        let of = |f: fn(&CheckRound) -> f64| median(rounds.iter().map(|r| f(r)).collect());
        let total = |f: fn(&CheckRound) -> f64| rounds.iter().map(|r| f(r)).sum::<f64>();
        CheckSummary {
            on_ms: of(|r| r.on_ms),
            off_ms: of(|r| r.off_ms),
            ratio: of(CheckRound::ratio),
            pooled: total(|r| r.off_ms) / total(|r| r.on_ms),
        }
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
        let s = check.summary(scope);
        let lost = 100.0 * (1.0 - s.ratio);
        let _ = writeln!(
            out,
            "| {}: the session check costs ≤ 5 % of throughput (Hardening issue) | {} (median throughput ratio with/without {:.3}) | {} |",
            scope.name(),
            lost_text(lost),
            s.ratio,
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
        "Every authenticated request checks that its access token's session is live (docs/auth.md, \"Sessions that end\"), from a per-process cache kept exact by LISTEN/NOTIFY. What it costs, measured in this run: two applications in the benchmark's process, identical but for `SESSION_CHECK` (both in development mode, the only one that allows it off, with production's GraphQL settings), every viewer's session touched once on both (so that the checking one's cache holds them all: the steady state), then driven through their routers by {CHECK_WORKERS} workers at once, each worker alternating between the two request by request: the first page of the feed for a random viewer, {} requests per round and scope, half to each, {} rounds after a warm-up round. Both live through the same milliseconds of the machine's load, which on this shared machine changes by the second, so what differs is the requests' own cost: the ratio of the mean latencies is the ratio of the throughputs a saturated server would reach. (Two server processes loaded side by side over HTTP were tried first: their rounds differed by 0.8 to 1.3 times whatever the check did, as the scheduler's share of each process moved.)\n",
        check.requests_per_round,
        check.rounds.len() / 2
    );
    let _ = writeln!(
        out,
        "| round | scope | with the check ms/request | without ms/request | throughput with / without |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
    for (i, r) in check.rounds.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {:.2} | {:.3} |",
            i / 2 + 1,
            r.scope.name(),
            r.on_ms,
            r.off_ms,
            r.ratio()
        );
    }
    let _ = writeln!(out);
    for scope in [Scope::Following, Scope::Everyone] {
        let s = check.summary(scope);
        let _ = writeln!(
            out,
            "- {}: median {:.2} ms per request with the check, {:.2} without; median throughput ratio {:.3} (over every request: {:.3}), throughput lost: {}.",
            scope.name(),
            s.on_ms,
            s.off_ms,
            s.ratio,
            s.pooled,
            lost_text(100.0 * (1.0 - s.ratio))
        );
    }
    let cpu_ms =
        find(Scope::Following, 16, false).and_then(|m| m.server_cpu_ms).unwrap_or(f64::NAN);
    let _ = writeln!(
        out,
        "- One session check answered from the cache, timed alone in process (1,000,000 checks over the 1,000 viewers' sessions): **{:.0} ns**, {:.4} % of the {cpu_ms:.2} ms of server CPU a FOLLOWING page takes (Results, concurrency 16). The first request of a session on an instance reads its state instead (one primary-key statement).",
        check.cached_check_ns,
        100.0 * check.cached_check_ns / (cpu_ms * 1e6)
    );
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

/// A share of throughput lost; a negative one (the checked server did more) is noise.
fn lost_text(lost: f64) -> String {
    if lost <= 0.0 { format!("none measurable ({lost:.1} %)") } else { format!("{lost:.1} %") }
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
