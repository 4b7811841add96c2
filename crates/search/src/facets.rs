//! Facet counts: for each faceted field, how many of the matching stories carry each
//! value. Counted in one pass over the matches with the fields' columnar (fast) values;
//! reports of one story (see `groups`) count once per value, as the refined search counts.

use std::collections::{HashMap, HashSet};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// A field results can be counted and refined by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FacetField {
    /// The source id.
    Source,
    /// The council (values are GSS codes).
    LocalAuthority,
    /// The region (values are slugs such as `north-west`).
    Region,
    /// The topic (values are slugs).
    Topic,
    /// What the item is (values are [`crate::ArticleKind`] slugs).
    Kind,
    /// The overall Ofsted grade of a report or alert (values are `grade_slug`s).
    Grade,
    /// The year of the article's date.
    Year,
}

impl FacetField {
    /// Every facet, in display order.
    pub const ALL: [FacetField; 7] = [
        FacetField::Kind,
        FacetField::Source,
        FacetField::Region,
        FacetField::LocalAuthority,
        FacetField::Topic,
        FacetField::Grade,
        FacetField::Year,
    ];

    /// The query operator that filters on this facet (`la`, `kind`…).
    pub fn operator(self) -> &'static str {
        match self {
            FacetField::Source => "source",
            FacetField::LocalAuthority => "la",
            FacetField::Region => "region",
            FacetField::Topic => "topic",
            FacetField::Kind => "kind",
            FacetField::Grade => "grade",
            FacetField::Year => "year",
        }
    }

    /// The facet's heading on the site.
    pub fn label(self) -> &'static str {
        match self {
            FacetField::Source => "Source",
            FacetField::LocalAuthority => "Council",
            FacetField::Region => "Region",
            FacetField::Topic => "Topic",
            FacetField::Kind => "Kind",
            FacetField::Grade => "Ofsted grade",
            FacetField::Year => "Year",
        }
    }

    /// How the site names one of this facet's indexed values ("St Helens" for a GSS code,
    /// "Kinship care" for a topic slug); `None` when it names nothing. Source ids are
    /// returned as they are (their names live in the configuration).
    pub fn value_name(self, value: &str) -> Option<String> {
        let gazetteer = csfeed_core::Gazetteer::get();
        Some(match self {
            FacetField::LocalAuthority => gazetteer.find(value)?.name.clone(),
            FacetField::Region => gazetteer
                .authorities()
                .iter()
                .find(|la| csfeed_core::gazetteer::slugify(&la.region) == value)?
                .region
                .clone(),
            FacetField::Topic => csfeed_core::Topic::find(value)?.name.to_owned(),
            FacetField::Kind => crate::ArticleKind::parse(value)?.label().to_owned(),
            FacetField::Grade => csfeed_core::Grade::parse(value)?.label().to_owned(),
            FacetField::Source | FacetField::Year => value.to_owned(),
        })
    }

    /// The index field that holds it.
    pub(crate) fn index_field(self) -> &'static str {
        match self {
            FacetField::LocalAuthority => "la",
            other => other.operator(),
        }
    }
}

/// One value of a facet and how many matching articles have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    /// The value as indexed (GSS code, slug, year, source id).
    pub value: String,
    /// Matching articles with this value.
    pub count: u64,
}

/// The counts of one facet, most frequent first (years newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCounts {
    /// Which facet.
    pub field: FacetField,
    /// Its values with counts; values with no match are left out.
    pub values: Vec<FacetCount>,
}

/// Counts the values of `fields` over the matching documents.
pub(crate) struct FacetCollector {
    pub fields: Vec<FacetField>,
}

pub(crate) struct FacetSegmentCollector {
    columns: Vec<Option<StrColumn>>,
    /// Per column: its term ordinals, read directly when every document has exactly one
    /// (source, kind, year), else through the column index.
    ords: Vec<Option<Ords>>,
    counts: Vec<Vec<u32>>,
    /// Story groups (see `groups`), to count grouped reports once.
    groups: Option<tantivy::columnar::Column<u64>>,
    /// (field, term ordinal, group) of matching grouped reports: few, so a set is cheap.
    grouped: HashSet<(usize, u64, u64)>,
}

enum Ords {
    One(std::sync::Arc<dyn tantivy::columnar::ColumnValues<u64>>),
    Many(tantivy::columnar::Column<u64>),
}

/// Per field: matching ungrouped articles by value, and the (value, group) pairs of the
/// grouped ones.
type Fruit = Vec<(HashMap<String, u64>, HashSet<(String, u64)>)>;

impl Collector for FacetCollector {
    type Fruit = Fruit;
    type Child = FacetSegmentCollector;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let mut columns = Vec::with_capacity(self.fields.len());
        let mut ords = Vec::with_capacity(self.fields.len());
        let mut counts = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            let column = segment.fast_fields().str(field.index_field())?;
            counts.push(vec![0; column.as_ref().map_or(0, |column| column.num_terms())]);
            ords.push(column.as_ref().map(|column| {
                let ords = column.ords();
                match ords.get_cardinality() {
                    tantivy::columnar::Cardinality::Full => Ords::One(ords.values.clone()),
                    _ => Ords::Many(ords.clone()),
                }
            }));
            columns.push(column);
        }
        Ok(FacetSegmentCollector {
            columns,
            ords,
            counts,
            // Read only in segments that hold grouped reports.
            groups: segment
                .fast_fields()
                .u64(crate::groups::GROUP_FIELD)
                .ok()
                .filter(|groups| groups.max_value() > 0),
            grouped: HashSet::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segment_fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut merged: Fruit = vec![Default::default(); self.fields.len()];
        for fruit in segment_fruits {
            for ((into, into_grouped), (from, from_grouped)) in merged.iter_mut().zip(fruit) {
                for (value, count) in from {
                    *into.entry(value).or_default() += count;
                }
                into_grouped.extend(from_grouped);
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        let group = self
            .groups
            .as_ref()
            .and_then(|groups| groups.first(doc))
            .unwrap_or(0);
        if group != 0 {
            self.collect_grouped(doc, group);
            return;
        }
        for (ords, counts) in self.ords.iter().zip(self.counts.iter_mut()) {
            match ords {
                Some(Ords::One(values)) => {
                    if let Some(count) = counts.get_mut(values.get_val(doc) as usize) {
                        *count += 1;
                    }
                }
                Some(Ords::Many(column)) => {
                    for ord in column.values_for_doc(doc) {
                        if let Some(count) = counts.get_mut(ord as usize) {
                            *count += 1;
                        }
                    }
                }
                None => {}
            }
        }
    }

    fn harvest(self) -> Fruit {
        let mut fruit = Vec::with_capacity(self.columns.len());
        for (field, (column, counts)) in self.columns.iter().zip(self.counts).enumerate() {
            let mut map = HashMap::new();
            let mut grouped = HashSet::new();
            if let Some(column) = column {
                // One sorted pass over the dictionary, not a lookup per value.
                let ords: Vec<u64> = (0..counts.len() as u64)
                    .filter(|ord| counts[*ord as usize] > 0)
                    .collect();
                let mut found = ords.iter();
                let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |term| {
                    if let (Some(ord), Ok(value)) = (found.next(), std::str::from_utf8(term)) {
                        map.insert(value.to_owned(), u64::from(counts[*ord as usize]));
                    }
                });
                for (_, ord, group) in self.grouped.iter().filter(|(of, _, _)| *of == field) {
                    let mut value = String::new();
                    if column.ord_to_str(*ord, &mut value).unwrap_or(false) {
                        grouped.insert((value, *group));
                    }
                }
            }
            fruit.push((map, grouped));
        }
        fruit
    }
}

impl FacetSegmentCollector {
    /// Notes a grouped report's values with its group, so its story counts once per value.
    fn collect_grouped(&mut self, doc: DocId, group: u64) {
        for (field, ords) in self.ords.iter().enumerate() {
            match ords {
                Some(Ords::One(values)) => {
                    self.grouped.insert((field, values.get_val(doc), group));
                }
                Some(Ords::Many(column)) => {
                    for ord in column.values_for_doc(doc) {
                        self.grouped.insert((field, ord, group));
                    }
                }
                None => {}
            }
        }
    }
}

/// Sorts merged counts for display.
pub(crate) fn into_counts(fields: &[FacetField], fruit: Fruit) -> Vec<FacetCounts> {
    fields
        .iter()
        .zip(fruit)
        .map(|(field, (mut map, grouped))| {
            for (value, _) in grouped {
                *map.entry(value).or_default() += 1;
            }
            let mut values: Vec<FacetCount> = map
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            if *field == FacetField::Year {
                values.sort_by(|a, b| b.value.cmp(&a.value));
            } else {
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            }
            FacetCounts {
                field: *field,
                values,
            }
        })
        .collect()
}
