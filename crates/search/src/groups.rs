//! One entry per story: reports of one event from several outlets share a story group (see
//! `csfeed_store`), and results list and count each group once.
//!
//! Each document carries a `group` number: 0 for an article alone in its story, else a
//! hash of its story id. Counting then keeps a set of the few grouped stories only, so a
//! search that matches everything costs one column read per match, not a set insert.

use std::collections::{HashMap, HashSet};

use csfeed_store::ArticleRecord;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// The index field that holds the group number.
pub(crate) const GROUP_FIELD: &str = "group";

/// The group number of `record`: 0 when no other stored article reports its story, else a
/// stable hash of the story id (FNV-1a: the same in every process and build, unlike std's
/// hasher), never 0.
pub(crate) fn group_number(record: &ArticleRecord) -> u64 {
    let shared = record
        .also_reported_by
        .iter()
        .any(|report| report.article_id.is_some());
    if !shared {
        return 0;
    }
    let story = record.story_id.as_ref().unwrap_or(&record.article.id);
    let hash = story
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    hash.max(1)
}

/// Counts the matching stories: ungrouped matches plus distinct groups.
pub(crate) struct StoryCount;

/// Per segment: ungrouped matches and the groups seen.
pub(crate) struct SegmentStoryCount {
    groups: Option<Column<u64>>,
    alone: usize,
    seen: HashSet<u64>,
}

impl Collector for StoryCount {
    type Fruit = usize;
    type Child = SegmentStoryCount;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        // Most segments hold no grouped report at all: then every match counts, unread.
        let groups = segment
            .fast_fields()
            .u64(GROUP_FIELD)
            .ok()
            .filter(|groups| groups.max_value() > 0);
        Ok(SegmentStoryCount {
            groups,
            alone: 0,
            seen: HashSet::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segment_fruits: Vec<(usize, HashSet<u64>)>) -> tantivy::Result<usize> {
        let mut alone = 0;
        let mut groups = HashSet::new();
        for (segment_alone, segment_groups) in segment_fruits {
            alone += segment_alone;
            groups.extend(segment_groups);
        }
        Ok(alone + groups.len())
    }
}

impl SegmentCollector for SegmentStoryCount {
    type Fruit = (usize, HashSet<u64>);

    fn collect(&mut self, doc: DocId, _: Score) {
        match self.groups.as_ref().and_then(|groups| groups.first(doc)) {
            Some(group) if group != 0 => {
                self.seen.insert(group);
            }
            _ => self.alone += 1,
        }
    }

    fn harvest(self) -> Self::Fruit {
        (self.alone, self.seen)
    }
}

/// `ranked` with every hit after the first of its story group left out, order kept.
pub(crate) fn fold_stories(searcher: &Searcher, ranked: Vec<(f32, DocAddress)>) -> Vec<(f32, DocAddress)> {
    let mut columns: HashMap<SegmentOrdinal, Option<Column<u64>>> = HashMap::new();
    let mut seen = HashSet::new();
    ranked
        .into_iter()
        .filter(|(_, address)| {
            let group = columns
                .entry(address.segment_ord)
                .or_insert_with(|| {
                    searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .u64(GROUP_FIELD)
                        .ok()
                })
                .as_ref()
                .and_then(|column| column.first(address.doc_id))
                .unwrap_or(0);
            group == 0 || seen.insert(group)
        })
        .collect()
}
