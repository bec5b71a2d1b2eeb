//! Knuth–Plass total-fit line breaking over boxes, glue and penalties.
//!
//! Generic: it knows widths, not glyphs. It finds the breaks that minimise the total
//! demerits of a paragraph, with fitness classes (extra demerits when adjacent lines differ
//! much in tightness), extra demerits for two hyphenated lines in a row and for a hyphen
//! ending the last full line, and margin protrusion (a line's first and last characters may
//! hang into the margin by the amounts the caller gives).

/// Penalty at or above this never breaks; at or below its negative always breaks.
pub const INFINITY: f32 = 10_000.0;

/// An element of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item {
    /// Unbreakable material. `protrude_left`/`protrude_right` are how far it may hang into
    /// the margin when it starts or ends a line.
    Box {
        width: f32,
        protrude_left: f32,
        protrude_right: f32,
        /// How much letter spacing may widen it (emergency passes only).
        stretch: f32,
    },
    /// Breakable, stretchable space.
    Glue { width: f32, stretch: f32, shrink: f32 },
    /// A possible break with a cost; `width` is material added when breaking here (a hyphen),
    /// `protrude` how far that material may hang into the margin.
    Penalty {
        width: f32,
        cost: f32,
        flagged: bool,
        protrude: f32,
    },
}

impl Item {
    pub fn boxed(width: f32) -> Item {
        Item::Box {
            width,
            protrude_left: 0.0,
            protrude_right: 0.0,
            stretch: 0.0,
        }
    }

    pub fn penalty(cost: f32) -> Item {
        Item::Penalty {
            width: 0.0,
            cost,
            flagged: false,
            protrude: 0.0,
        }
    }
}

/// Tuning of one pass.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Largest adjustment ratio accepted (TeX's tolerance 200 is a ratio of about 1.26).
    pub max_ratio: f32,
    pub line_penalty: f32,
    /// Extra demerits for two hyphenated lines in a row.
    pub double_hyphen_demerits: f32,
    /// Extra demerits when the last full line ends with a hyphen.
    pub final_hyphen_demerits: f32,
    /// Extra demerits for adjacent lines whose fitness classes differ by more than one.
    pub fitness_demerits: f32,
    /// Extra stretch every line may use (TeX's \emergencystretch).
    pub emergency_stretch: f32,
    /// Accept any line that is not overfull, however loose (last resort).
    pub accept_any_loose: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_ratio: 1.26,
            line_penalty: 10.0,
            double_hyphen_demerits: 10_000.0,
            final_hyphen_demerits: 5_000.0,
            fitness_demerits: 10_000.0,
            emergency_stretch: 0.0,
            accept_any_loose: false,
        }
    }
}

/// One chosen break: the line ends at item `position`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Break {
    pub position: usize,
    /// Adjustment ratio of the line ending here: 0 natural, 1 fully stretched, -1 fully shrunk.
    pub ratio: f32,
    /// Demerits of this line.
    pub demerits: f32,
    /// Whether the line ends with a flagged (hyphen) penalty.
    pub hyphenated: bool,
    /// The line is wider than its measure (only when nothing else was possible).
    pub overfull: bool,
}

/// The best way found to reach a break in one fitness class:
/// (total demerits, from node, ratio, line demerits, overfull).
type Candidate = (f32, usize, f32, f32, bool);

#[derive(Debug, Clone, Copy)]
struct Node {
    position: usize,
    line: usize,
    fitness: u8,
    /// Sums of widths after the break (the start of the next line).
    width: f32,
    stretch: f32,
    shrink: f32,
    total_demerits: f32,
    previous: Option<usize>,
    hyphenated: bool,
    /// Consecutive hyphenated lines ending here (0 to `MAX_HYPHEN_RUN`).
    hyphen_run: u8,
    ratio: f32,
    demerits: f32,
    overfull: bool,
}

/// Most hyphenated lines in a row (a third is allowed only as a last resort).
pub const MAX_HYPHEN_RUN: u8 = 2;

fn fitness(ratio: f32) -> u8 {
    if ratio < -0.5 {
        0
    } else if ratio <= 0.5 {
        1
    } else if ratio <= 1.0 {
        2
    } else {
        3
    }
}

/// Finds optimal breaks for `items`, whose last item must be a forced break (penalty of
/// -INFINITY). `measure(line)` is the width available to line `line` (0-based). Returns `None`
/// when no breaking fits within `params`.
pub fn break_lines(items: &[Item], measure: &dyn Fn(usize) -> f32, params: &Params) -> Option<Vec<Break>> {
    let n = items.len();
    if n == 0 {
        return Some(Vec::new());
    }
    // Prefix sums: sum_x[i] = total of x over items[..i].
    let mut sum_w = vec![0.0f32; n + 1];
    let mut sum_y = vec![0.0f32; n + 1];
    let mut sum_z = vec![0.0f32; n + 1];
    for (i, item) in items.iter().enumerate() {
        let (w, y, z) = match *item {
            Item::Box { width, stretch, .. } => (width, stretch, 0.0),
            Item::Glue {
                width,
                stretch,
                shrink,
            } => (width, stretch, shrink),
            Item::Penalty { .. } => (0.0, 0.0, 0.0),
        };
        sum_w[i + 1] = sum_w[i] + w;
        sum_y[i + 1] = sum_y[i] + y;
        sum_z[i + 1] = sum_z[i] + z;
    }
    // Protrusion of the last box before each index and of the first box from each index.
    let mut last_box_right = vec![0.0f32; n + 1];
    for i in 0..n {
        last_box_right[i + 1] = match items[i] {
            Item::Box { protrude_right, .. } => protrude_right,
            Item::Glue { .. } => 0.0,
            Item::Penalty { .. } => last_box_right[i],
        };
    }
    let mut first_box_left = vec![0.0f32; n + 1];
    for i in (0..n).rev() {
        first_box_left[i] = match items[i] {
            Item::Box { protrude_left, .. } => protrude_left,
            _ => first_box_left[i + 1],
        };
    }

    // Sized for a few break nodes per line of ~20 items: grown rarely, not node by node.
    let mut nodes: Vec<Node> = Vec::with_capacity(n / 4 + 8);
    nodes.push(Node {
        position: 0,
        line: 0,
        fitness: 1,
        width: 0.0,
        stretch: 0.0,
        shrink: 0.0,
        total_demerits: 0.0,
        previous: None,
        hyphenated: false,
        hyphen_run: 0,
        ratio: 0.0,
        demerits: 0.0,
        overfull: false,
    });
    // Indices into `nodes` of the active nodes.
    let mut active: Vec<usize> = Vec::with_capacity(32);
    active.push(0);
    // The start of the first line is index 0 (nothing discarded before it).
    let mut start_index = Vec::with_capacity(nodes.capacity());
    start_index.push(0usize);
    // The active nodes that stay active past the current break (swapped with `active`).
    let mut remaining: Vec<usize> = Vec::with_capacity(32);

    for b in 0..n {
        let (is_break, penalty_width, cost, flagged, protrude_hyphen) = match items[b] {
            Item::Penalty {
                width,
                cost,
                flagged,
                protrude,
            } => (cost < INFINITY, width, cost, flagged, protrude),
            Item::Glue { .. } => (
                b > 0 && matches!(items[b - 1], Item::Box { .. }),
                0.0,
                0.0,
                false,
                0.0,
            ),
            Item::Box { .. } => (false, 0.0, 0.0, false, 0.0),
        };
        if !is_break {
            continue;
        }
        let forced = cost <= -INFINITY;
        // Best candidate per fitness class: (demerits, from node, ratio, line demerits, overfull).
        // Best candidate per fitness class and hyphen run.
        let mut best: [Option<Candidate>; 12] = [None; 12];
        remaining.clear();
        let mut last_deactivated: Option<(usize, f32)> = None;
        for &a in &active {
            let node = nodes[a];
            let line_start = start_index[a];
            let natural = sum_w[b] - node.width + penalty_width;
            let protrusion = first_box_left[line_start]
                + if penalty_width > 0.0 {
                    protrude_hyphen
                } else {
                    last_box_right[b]
                };
            let width = natural - protrusion;
            let target = measure(node.line);
            let stretch = sum_y[b] - node.stretch + params.emergency_stretch;
            let shrink = sum_z[b] - node.shrink;
            let ratio = if width < target {
                if stretch > 0.0 {
                    (target - width) / stretch
                } else {
                    INFINITY
                }
            } else if width > target {
                if shrink > 0.0 {
                    (target - width) / shrink
                } else {
                    -INFINITY
                }
            } else {
                0.0
            };
            let overfull = ratio < -1.0;
            if overfull || forced {
                // This node cannot start a line that reaches any later break.
                if overfull {
                    last_deactivated = Some((a, ratio));
                }
            } else {
                remaining.push(a);
            }
            let run = if flagged && !forced {
                node.hyphen_run + 1
            } else {
                0
            };
            let acceptable = !overfull
                && (ratio <= params.max_ratio || params.accept_any_loose)
                && (run <= MAX_HYPHEN_RUN || params.accept_any_loose);
            if !acceptable {
                continue;
            }
            let badness = 100.0 * ratio.abs().min(100.0).powi(3);
            let base = params.line_penalty + badness.min(INFINITY);
            let mut demerits = base * base;
            if cost >= 0.0 {
                demerits += cost * cost;
            } else if !forced {
                demerits -= cost * cost;
            }
            if flagged && node.hyphenated {
                demerits += params.double_hyphen_demerits;
            }
            if forced && node.hyphenated {
                demerits += params.final_hyphen_demerits;
            }
            let fit = fitness(ratio);
            if (fit as i8 - node.fitness as i8).abs() > 1 {
                demerits += params.fitness_demerits;
            }
            let total = node.total_demerits + demerits;
            let slot = &mut best[fit as usize * 3 + run.min(MAX_HYPHEN_RUN) as usize];
            if slot.is_none_or(|(d, ..)| total < d) {
                *slot = Some((total, a, ratio, demerits, false));
            }
        }
        // Last resort: never let every node die. Break here overfull from the node that was
        // least overfull (a single glyph wider than the measure, or a forced line too wide).
        if params.accept_any_loose
            && best.iter().all(Option::is_none)
            && remaining.is_empty()
            && let Some((a, ratio)) = last_deactivated.or_else(|| active.first().map(|&a| (a, -1.0)))
        {
            let node = nodes[a];
            let total = node.total_demerits + INFINITY;
            best[3] = Some((total, a, ratio.max(-1.0), INFINITY, true));
        }
        std::mem::swap(&mut active, &mut remaining);
        let Some(min_total) = best.iter().flatten().map(|c| c.0).reduce(f32::min) else {
            if active.is_empty() {
                return None;
            }
            continue;
        };
        // Where the next line starts: after discardable items following the break.
        let mut next_start = b + 1;
        while next_start < n && !matches!(items[next_start], Item::Box { .. }) {
            if let Item::Penalty { cost, .. } = items[next_start]
                && cost <= -INFINITY
            {
                break;
            }
            next_start += 1;
        }
        let after_w = sum_w[next_start.min(n)];
        let after_y = sum_y[next_start.min(n)];
        let after_z = sum_z[next_start.min(n)];
        for (slot, cand) in best.iter().enumerate() {
            let Some((total, from, ratio, demerits, overfull)) = *cand else {
                continue;
            };
            let (fit, run) = (slot / 3, (slot % 3) as u8);
            if total > min_total + params.fitness_demerits {
                continue;
            }
            let id = nodes.len();
            nodes.push(Node {
                position: b,
                line: nodes[from].line + 1,
                fitness: fit as u8,
                width: after_w,
                stretch: after_y,
                shrink: after_z,
                total_demerits: total,
                previous: Some(from),
                hyphenated: flagged,
                hyphen_run: run,
                ratio,
                demerits,
                overfull,
            });
            start_index.push(next_start);
            active.push(id);
        }
        if active.is_empty() {
            return None;
        }
    }
    // The best node that ends the paragraph.
    let end = active
        .iter()
        .copied()
        .filter(|&a| nodes[a].position == n - 1)
        .min_by(|&x, &y| nodes[x].total_demerits.total_cmp(&nodes[y].total_demerits))?;
    let mut breaks = Vec::new();
    let mut cursor = Some(end);
    while let Some(i) = cursor {
        let node = nodes[i];
        if node.previous.is_none() {
            break;
        }
        breaks.push(Break {
            position: node.position,
            ratio: node.ratio,
            demerits: node.demerits,
            hyphenated: node.hyphenated,
            overfull: node.overfull,
        });
        cursor = node.previous;
    }
    breaks.reverse();
    Some(breaks)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items for words of the given widths separated by spaces, ending a paragraph.
    fn words(widths: &[f32]) -> Vec<Item> {
        let mut items = Vec::new();
        for (i, &w) in widths.iter().enumerate() {
            if i > 0 {
                items.push(Item::Glue {
                    width: 3.0,
                    stretch: 1.5,
                    shrink: 1.0,
                });
            }
            items.push(Item::boxed(w));
        }
        items.push(Item::Glue {
            width: 0.0,
            stretch: INFINITY,
            shrink: 0.0,
        });
        items.push(Item::penalty(-INFINITY));
        items
    }

    #[test]
    fn fits_on_one_line() {
        let items = words(&[10.0, 10.0, 10.0]);
        let breaks = break_lines(&items, &|_| 100.0, &Params::default()).unwrap();
        assert_eq!(breaks.len(), 1);
        assert_eq!(breaks[0].position, items.len() - 1);
    }

    #[test]
    fn total_fit_balances_lines() {
        // 12 words of 10 with spaces of 3: a measure of 49 takes 4 words (49) per line exactly.
        let items = words(&[10.0; 12]);
        let breaks = break_lines(&items, &|_| 49.0, &Params::default()).unwrap();
        assert_eq!(breaks.len(), 3);
        for b in &breaks[..2] {
            assert!(b.ratio.abs() < 1e-4, "{b:?}");
        }
    }

    #[test]
    fn infeasible_then_emergency() {
        // A box wider than the measure: only the last-resort pass succeeds, overfull.
        let items = words(&[10.0, 80.0, 10.0]);
        assert!(break_lines(&items, &|_| 50.0, &Params::default()).is_none());
        let params = Params {
            accept_any_loose: true,
            ..Params::default()
        };
        let breaks = break_lines(&items, &|_| 50.0, &params).unwrap();
        assert!(breaks.iter().any(|b| b.overfull));
    }

    #[test]
    fn protrusion_lets_a_line_end_past_the_measure() {
        // Two words of 23 and 23 with a space: 49 natural, which cannot shrink. Measure 48
        // with a final period that may protrude by 1.5: fits (stretching a little).
        let mut items = vec![
            Item::boxed(23.0),
            Item::Glue {
                width: 3.0,
                stretch: 1.0,
                shrink: 0.0,
            },
            Item::Box {
                width: 23.0,
                protrude_left: 0.0,
                protrude_right: 1.5,
                stretch: 0.0,
            },
        ];
        items.push(Item::penalty(-INFINITY));
        assert!(break_lines(&items, &|_| 48.0, &Params::default()).is_some());
        items[2] = Item::boxed(23.0);
        assert!(break_lines(&items, &|_| 48.0, &Params::default()).is_none());
    }

    #[test]
    fn hyphen_penalties_are_used_only_when_they_help() {
        // "aaaa bbbb-bbbb" where the hyphenation point lets the first line fill exactly.
        let mut items = vec![
            Item::boxed(20.0),
            Item::Glue {
                width: 3.0,
                stretch: 1.0,
                shrink: 1.0,
            },
            Item::boxed(20.0),
            Item::Penalty {
                width: 4.0,
                cost: 50.0,
                flagged: true,
                protrude: 0.0,
            },
            Item::boxed(20.0),
        ];
        items.push(Item::Glue {
            width: 0.0,
            stretch: INFINITY,
            shrink: 0.0,
        });
        items.push(Item::penalty(-INFINITY));
        let breaks = break_lines(&items, &|_| 47.0, &Params::default()).unwrap();
        assert_eq!(breaks.len(), 2);
        assert!(breaks[0].hyphenated);
        let breaks = break_lines(&items, &|_| 80.0, &Params::default()).unwrap();
        assert_eq!(breaks.len(), 1);
    }
}
