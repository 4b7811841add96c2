//! Search load shared by the benchmarks: distinct queries in the site's shapes, and HTTP
//! latencies from concurrent clients.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use csfeed_core::{Gazetteer, TOPICS};

use super::corpus::{Rng, WORDS};

/// Distinct queries in the benchmark's shapes: a sector word, a two-word phrase, words
/// with a council, topic, region or year filter, and three-word searches.
pub fn unique_queries(count: usize) -> Vec<(&'static str, String)> {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let councils: Vec<String> = Gazetteer::get()
        .authorities()
        .iter()
        .filter(|la| la.abolished.is_none())
        .map(|la| la.slug.clone())
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut queries = Vec::with_capacity(count);
    while queries.len() < count {
        let word = |rng: &mut Rng| WORDS[rng.below(WORDS.len())];
        let (shape, query) = match rng.below(5) {
            0 => ("term", word(&mut rng).to_owned()),
            1 => ("phrase", format!("\"{} {}\"", word(&mut rng), word(&mut rng))),
            2 => (
                "filter",
                format!("{} la:{}", word(&mut rng), councils[rng.below(councils.len())]),
            ),
            3 => (
                "filter",
                format!(
                    "{} topic:{} year:{}",
                    word(&mut rng),
                    TOPICS[rng.below(TOPICS.len())].slug,
                    2020 + rng.below(6)
                ),
            ),
            _ => (
                "words",
                format!("{} {} {}", word(&mut rng), word(&mut rng), word(&mut rng)),
            ),
        };
        if seen.insert(query.clone()) {
            queries.push((shape, query));
        }
    }
    queries
}

/// Runs `queries` split between `clients` concurrent clients; all latencies sorted, and by
/// shape.
pub async fn http_latencies(
    client: &reqwest::Client,
    base: &str,
    queries: &[(&'static str, String)],
    clients: usize,
) -> (Vec<Duration>, Vec<(&'static str, Vec<Duration>)>) {
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let client = client.clone();
        let base = base.to_owned();
        let mine: Vec<(&'static str, String)> =
            queries.iter().skip(worker).step_by(clients).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let mut timings = Vec::new();
            for (shape, query) in mine {
                let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
                let url = format!("{base}/api/v1/search?q={encoded}&facets=1");
                let started = Instant::now();
                let response = client.get(&url).send().await.expect("search answered");
                assert!(response.status().is_success(), "{url}: {}", response.status());
                response.bytes().await.expect("body");
                timings.push((shape, started.elapsed()));
            }
            timings
        }));
    }
    let mut all = Vec::new();
    let mut by_shape: HashMap<&'static str, Vec<Duration>> = HashMap::new();
    for task in tasks {
        for (shape, elapsed) in task.await.expect("client") {
            all.push(elapsed);
            by_shape.entry(shape).or_default().push(elapsed);
        }
    }
    all.sort();
    let mut shapes: Vec<_> = by_shape.into_iter().collect();
    shapes.sort_by_key(|(shape, _)| *shape);
    for (_, timings) in &mut shapes {
        timings.sort();
    }
    (all, shapes)
}
