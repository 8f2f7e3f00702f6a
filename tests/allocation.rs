//! A step allocates nothing, in any dimension: every optimizer on a 30-dimensional quadratic,
//! and a network's training step with every optimizer (Newton's Hessian included); a surface
//! rebuild allocates only its field, its mesh and a few numbers per grid node, and its freed
//! buffers stay for the next. Counted by an allocator that tallies this thread's calls and
//! bytes, and by the thread's page faults.

use gradscape::core::net::{Net, Training, classes, widths};
use gradscape::core::objective::Objective;
use gradscape::core::optim::{Hyper, Kind, VectorOptimizer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn tally(bytes: usize) {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    let _ = BYTES.try_with(|c| c.set(c.get() + bytes as u64));
}

// SAFETY: every call is passed to the system allocator unchanged; the count is a side note.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        tally(layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        tally(size);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// Bytes `f` asks for on this thread (a reallocation counts its new size), and its result.
fn bytes<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = BYTES.with(Cell::get);
    let r = f();
    (BYTES.with(Cell::get) - before, r)
}

/// f = ½ Σ (i + 1)·xᵢ², with its gradient and Hessian.
struct Bowl(usize);

impl Objective for Bowl {
    fn dim(&self) -> usize {
        self.0
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        x.iter()
            .enumerate()
            .map(|(i, x)| 0.5 * (i + 1) as f64 * x * x)
            .sum()
    }

    fn gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        for (i, g) in grad.iter_mut().enumerate() {
            *g = (i + 1) as f64 * x[i];
        }
        self.value(x)
    }

    fn hessian(&mut self, x: &[f64], grad: &mut [f64], hessian: &mut [f64]) -> Option<f64> {
        let n = self.0;
        hessian.fill(0.0);
        for i in 0..n {
            hessian[i * n + i] = (i + 1) as f64;
        }
        Some(self.gradient(x, grad))
    }

    fn evals(&self) -> u64 {
        0
    }
}

#[test]
fn every_optimizer_steps_30_coordinates_without_allocating() {
    for kind in Kind::ALL {
        let hyper = Hyper {
            lr: 0.01,
            momentum: 0.9,
            ..Hyper::defaults(kind)
        };
        let mut opt = VectorOptimizer::new(kind, hyper, 30).unwrap();
        let (mut x, mut f) = (vec![1.0; 30], Bowl(30));
        // The first step makes the state (the simplex, the swarm, the buffers).
        opt.step(&mut x, &mut f);
        let made = allocations(|| {
            for _ in 0..50 {
                opt.step(&mut x, &mut f);
            }
        });
        assert_eq!(made, 0, "{kind}");
    }
}

#[test]
fn a_network_trains_without_allocating() {
    let rows = classes::find("moons").unwrap().generate(0, 0.1);
    let net = Net::new(
        widths("2-8-8-1").unwrap(),
        "tanh".parse().unwrap(),
        "bce".parse().unwrap(),
    )
    .unwrap();
    for kind in Kind::ALL {
        for batch in [0, 32] {
            let hyper = Hyper {
                lr: 0.01,
                momentum: 0.9,
                batch,
                ..Hyper::defaults(kind)
            };
            let theta = net.init(0);
            let mut t = Training::new(net.clone(), rows.clone(), theta, kind, hyper).unwrap();
            t.step();
            let made = allocations(|| {
                for _ in 0..20 {
                    t.step();
                }
            });
            assert_eq!(made, 0, "{kind}, batch {batch}");
        }
    }
}

#[test]
fn a_surface_allocates_its_field_and_mesh_and_a_few_numbers_per_node() {
    use gradscape::core::expr::Formula;
    use gradscape::core::presets::ZScale;
    use gradscape::core::surface::{Domain, sample};
    use gradscape::core::view::{Density, WorldMap, surface};
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    let d = Domain::new(-2.0, 2.0, -1.0, 3.0);
    let n = 512;
    let grid = sample(&f, d, n, true);
    let map = WorldMap::new(d, &grid.range, ZScale::Log, 1.0);
    let (asked, view) = bytes(|| surface(&grid, &map, Density::default()));
    // Per node: the field's texel (16 bytes), a height (4) and a vertex number (4). The mesh
    // grows by doubling, so its vectors ask for at most 4× their final length in all.
    let m = &view.mesh;
    let mesh = m.positions.len() * (12 + 12 + 16) + m.indices.len() * 4;
    let bound = (n * n * (16 + 4 + 4) + 4 * mesh) as u64;
    assert!(
        asked <= bound,
        "{asked} bytes for a {n}² surface (mesh {mesh}), over {bound}"
    );
    // Coarse: a 512² Rosenbrock keeps a small share of the grid's nodes.
    assert!(
        m.positions.len() * 4 < n * n,
        "{} vertices",
        m.positions.len()
    );
}

/// Page faults this thread has taken (minor: memory handed to it afresh).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn faults() -> i64 {
    // SAFETY: getrusage writes the struct it is given, zeroed here.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage.ru_minflt
    }
}

#[test]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn a_freed_buffer_is_kept_for_the_next_rebuild() {
    gradscape::core::memory::keep_freed_memory();
    // A 512² rebuild's largest buffer is the field's 4 MB; 16 MB covers its grids too.
    let fill = || std::hint::black_box(vec![1u8; 16 << 20]).len();
    fill();
    let before = faults();
    fill();
    let taken = faults() - before;
    // Handed back, the 4,096 pages would fault in again.
    assert!(taken < 256, "{taken} page faults to fill 16 MB again");
}
