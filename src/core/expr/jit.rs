//! Formulas compiled to machine code with Cranelift: f, ∇f and ∇²f as straight-line functions.
//!
//! The tape is expanded into jets of six components (f, f_x, f_y, f_xx, f_xy, f_yy), each either
//! a constant known now or a machine value. Known zeros and ones fold away, so what remains is
//! about what one would write by hand; Cranelift then shares common subexpressions and drops
//! dead ones. Values follow the interpreter's arithmetic operation for operation, so both give
//! the same bits; derivatives differ only where the interpreter multiplies a structural zero by
//! an infinity (the derivative of a constant is 0 here, NaN there).

use super::jet::{Partials2, fn2_partials, pow_partials};
use super::node::{Fn1, Fn2};
use super::program::{Op, Program};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, BlockArg, InstBuilder, MemFlagsData, SigRef, Signature, StackSlot, StackSlotData,
    StackSlotKind, Type, UserFuncName, Value,
    types::{F64, I32},
};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetFrontendConfig};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use std::sync::{Mutex, OnceLock};

/// Compiled f(x, y, params). Unsafe to call: it reads as many parameters through the pointer
/// as the formula has, with no bounds check.
type ValueFn = unsafe extern "C" fn(f64, f64, *const f64) -> f64;

/// Compiled f with derivatives, writing `N` results through the last pointer: unsafe to call,
/// and `N` is part of the type, so a caller cannot ask the gradient code for six results.
#[derive(Clone, Copy)]
struct JetFn<const N: usize>(unsafe extern "C" fn(f64, f64, *const f64, *mut f64));

/// Compiled f and ∇f at each of `n` points (x, y pairs) into `3n` results: unsafe to call,
/// it reads `2n` numbers, the parameters and writes `3n` with no bounds check.
type GradientsFn = unsafe extern "C" fn(*const f64, usize, *const f64, *mut f64);

/// A formula as native code. Cheap to call from any thread; the code is freed on drop.
pub struct Compiled {
    value: ValueFn,
    /// `[f, f_x, f_y]` at each of many points: the order-1 body in a loop.
    gradients: GradientsFn,
    /// `[f, f_x, f_y]`
    gradient: JetFn<3>,
    /// `[f, f_x, f_y, f_xx, f_xy, f_yy]`
    hessian: JetFn<6>,
    /// Parameters the code reads; callers must pass at least this many.
    params: usize,
    /// Owns the code memory; only touched again to free it.
    module: Mutex<Option<JITModule>>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("params", &self.params)
            .finish()
    }
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(module) = self.module.get_mut().ok().and_then(Option::take) {
            // SAFETY: the function pointers live only in `self`, which is being dropped, so no
            // caller can be running or reach them afterwards.
            unsafe { module.free_memory() }
        }
    }
}

impl Compiled {
    /// Compiles the tape, or None where the host has no Cranelift backend (callers interpret).
    pub fn new(program: &Program) -> Option<Compiled> {
        let isa = host_isa()?;
        let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let params = program
            .ops()
            .iter()
            .filter_map(|op| match op {
                Op::Param(i) => Some(i + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let mut ctx = module.make_context();
        let mut fctx = FunctionBuilderContext::new();
        let mut ids = Vec::new();
        for order in 0..3 {
            let mut sig = module.make_signature();
            let ptr = module.target_config().pointer_type();
            sig.params
                .extend([AbiParam::new(F64), AbiParam::new(F64), AbiParam::new(ptr)]);
            if order == 0 {
                sig.returns.push(AbiParam::new(F64));
            } else {
                sig.params.push(AbiParam::new(ptr));
            }
            let id = module
                .declare_function(&format!("f{order}"), Linkage::Local, &sig)
                .ok()?;
            ctx.func.signature = sig;
            ctx.func.name = UserFuncName::user(0, id.as_u32());
            let b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            Gen::new(b, order, module.target_config()).emit(program.ops());
            module.define_function(id, &mut ctx).ok()?;
            module.clear_context(&mut ctx);
            ids.push(id);
        }
        let mut sig = module.make_signature();
        let ptr = module.target_config().pointer_type();
        sig.params.extend([ptr, ptr, ptr, ptr].map(AbiParam::new));
        let id = module
            .declare_function("gradients", Linkage::Local, &sig)
            .ok()?;
        ctx.func.signature = sig;
        ctx.func.name = UserFuncName::user(0, id.as_u32());
        let b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        Gen::looped(b, module.target_config(), program.ops());
        module.define_function(id, &mut ctx).ok()?;
        module.clear_context(&mut ctx);
        ids.push(id);
        module.finalize_definitions().ok()?;
        let code = |i: usize| module.get_finalized_function(ids[i]);
        type Raw = unsafe extern "C" fn(f64, f64, *const f64, *mut f64);
        // SAFETY: each pointer is a finalized function with exactly the signature declared above
        // in the host's default calling convention, which is `extern "C"`; order 1 writes the
        // 3 components of a `Jet1`, order 2 the 6 of a `Jet2`.
        // The fourth is `gradients`, declared with `GradientsFn`'s four pointer-sized
        // arguments.
        let (value, gradient, hessian, gradients) = unsafe {
            (
                std::mem::transmute::<*const u8, ValueFn>(code(0)),
                JetFn::<3>(std::mem::transmute::<*const u8, Raw>(code(1))),
                JetFn::<6>(std::mem::transmute::<*const u8, Raw>(code(2))),
                std::mem::transmute::<*const u8, GradientsFn>(code(3)),
            )
        };
        Some(Compiled {
            value,
            gradients,
            gradient,
            hessian,
            params,
            module: Mutex::new(Some(module)),
        })
    }

    /// f(x, y). `params` shorter than the formula needs are padded with the default.
    #[inline]
    pub fn value(&self, x: f64, y: f64, params: &[f64]) -> f64 {
        // SAFETY: `with_params` passes at least `self.params` numbers, all the code reads.
        with_params(params, self.params, |p| unsafe { (self.value)(x, y, p) })
    }

    /// `[f, f_x, f_y]`.
    #[inline(always)]
    pub fn gradient(&self, x: f64, y: f64, params: &[f64]) -> [f64; 3] {
        let mut out = [0.0; 3];
        self.gradient_into(x, y, params, &mut out);
        scalar_reads(&out)
    }

    /// `[f, f_x, f_y, f_xx, f_xy, f_yy]`.
    #[inline(always)]
    pub fn hessian(&self, x: f64, y: f64, params: &[f64]) -> [f64; 6] {
        let mut out = [0.0; 6];
        self.hessian_into(x, y, params, &mut out);
        scalar_reads(&out)
    }

    /// `[f, f_x, f_y]` at each point of `xy` (x, y pairs side by side) into `out`, three
    /// numbers a point: the same numbers as [`Compiled::gradient`] point by point, for one
    /// call. Points beyond the shorter of the two are left alone.
    pub fn gradients(&self, xy: &[f64], params: &[f64], out: &mut [f64]) {
        let n = (xy.len() / 2).min(out.len() / 3);
        // SAFETY: the code reads 2n numbers of `xy` and writes 3n of `out`, both in bounds by
        // the choice of n, and reads the parameters `with_params` provides.
        with_params(params, self.params, |p| unsafe {
            (self.gradients)(xy.as_ptr(), n, p, out.as_mut_ptr())
        });
    }

    /// Writes `[f, f_x, f_y]` to `out`; read it with [`scalar_reads`].
    #[inline(always)]
    pub fn gradient_into(&self, x: f64, y: f64, params: &[f64], out: &mut [f64; 3]) {
        self.jet(self.gradient, x, y, params, out)
    }

    /// Writes `[f, f_x, f_y, f_xx, f_xy, f_yy]` to `out`; read it with [`scalar_reads`].
    #[inline(always)]
    pub fn hessian_into(&self, x: f64, y: f64, params: &[f64], out: &mut [f64; 6]) {
        self.jet(self.hessian, x, y, params, out)
    }

    /// Runs a function that writes its N components through a pointer.
    #[inline(always)]
    fn jet<const N: usize>(
        &self,
        code: JetFn<N>,
        x: f64,
        y: f64,
        params: &[f64],
        out: &mut [f64; N],
    ) {
        // SAFETY: enough parameters (as in `value`), and `out` has the N slots `JetFn<N>`
        // writes.
        with_params(params, self.params, |p| unsafe {
            (code.0)(x, y, p, out.as_mut_ptr())
        });
    }
}

/// Reads what the generated code stored one number at a time: a wide load over several
/// narrow stores cannot be forwarded from the store buffer and stalls (measured: 5 ns → 14 ns
/// per call when the result was copied with vector moves). A plain array filled in an
/// unrolled loop lives in registers; `array::from_fn` built it in memory and the caller
/// loaded pairs from it with vector moves, the same stall again (a basin map's step 25 →
/// 8 ns).
#[inline(always)]
pub fn scalar_reads<const N: usize>(out: &[f64; N]) -> [f64; N] {
    let mut read = [0.0; N];
    for (i, r) in read.iter_mut().enumerate() {
        // SAFETY: every index is in bounds of `out`.
        *r = unsafe { std::ptr::read_volatile(out.as_ptr().add(i)) };
    }
    read
}

#[inline(always)]
fn with_params<R>(params: &[f64], needed: usize, call: impl FnOnce(*const f64) -> R) -> R {
    if params.len() >= needed {
        call(params.as_ptr())
    } else {
        call(padded(params, needed).as_ptr())
    }
}

/// `params` with defaults for the ones the caller left out; rare, so out of the hot path.
#[cold]
#[inline(never)]
fn padded(params: &[f64], needed: usize) -> Vec<f64> {
    let mut padded = params.to_vec();
    padded.resize(needed, super::PARAM_DEFAULT);
    padded
}

/// The host's code generator, configured once.
fn host_isa() -> Option<OwnedTargetIsa> {
    static ISA: OnceLock<Option<OwnedTargetIsa>> = OnceLock::new();
    ISA.get_or_init(|| {
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").ok()?;
        flags.set("use_colocated_libcalls", "false").ok()?;
        flags.set("is_pic", "false").ok()?;
        cranelift_native::builder()
            .ok()?
            .finish(settings::Flags::new(flags))
            .ok()
    })
    .clone()
}

/// One component of a jet: a number known while compiling, or one computed at run time.
#[derive(Debug, Clone, Copy, PartialEq)]
enum C {
    K(f64),
    V(Value),
}

use C::{K, V};

/// f, f_x, f_y, f_xx, f_xy, f_yy.
type Jet = [C; 6];

const ZERO: C = K(0.0);

fn constant(v: f64) -> Jet {
    [K(v), ZERO, ZERO, ZERO, ZERO, ZERO]
}

fn is_const(j: &Jet) -> Option<f64> {
    match j[0] {
        K(v) => Some(v),
        V(_) => None,
    }
}

#[derive(Clone, Copy)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
}

impl Bin {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Bin::Add => a + b,
            Bin::Sub => a - b,
            Bin::Mul => a * b,
            Bin::Div => a / b,
        }
    }
}

/// Emits one function: order 0 returns f, order 1 writes f and ∇f, order 2 adds the Hessian.
struct Gen<'a> {
    b: FunctionBuilder<'a>,
    order: usize,
    ptr: Type,
    /// Where called helpers write their several results; made on first need, since a
    /// function without one needs no stack frame.
    scratch: Option<StackSlot>,
    x: Value,
    y: Value,
    params: Value,
    out: Option<Value>,
    config: TargetFrontendConfig,
}

impl<'a> Gen<'a> {
    fn new(mut b: FunctionBuilder<'a>, order: usize, config: TargetFrontendConfig) -> Gen<'a> {
        let ptr = config.pointer_type();
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        b.seal_block(block);
        let args = b.block_params(block).to_vec();
        Gen {
            b,
            order,
            ptr,
            scratch: None,
            x: args[0],
            y: args[1],
            params: args[2],
            out: args.get(3).copied(),
            config,
        }
    }

    /// Components this order computes.
    fn width(&self) -> usize {
        [1, 3, 6][self.order]
    }

    fn emit(mut self, ops: &[Op]) {
        let last = self.body(ops);
        match self.out {
            None => {
                let v = self.val(last[0]);
                self.b.ins().return_(&[v]);
            }
            Some(out) => {
                self.store(last, out);
                self.b.ins().return_(&[]);
            }
        }
        let config = self.config;
        self.b.finalize(config);
    }

    /// The tape's jets, in the current block; the last one is f's.
    fn body(&mut self, ops: &[Op]) -> Jet {
        let mut slots: Vec<Jet> = Vec::with_capacity(ops.len());
        for op in ops {
            let jet = self.op(*op, &slots);
            slots.push(jet);
        }
        slots.last().copied().unwrap_or(constant(f64::NAN))
    }

    /// Stores the components this order computes at `out`.
    fn store(&mut self, jet: Jet, out: Value) {
        for (i, c) in jet.iter().take(self.width()).enumerate() {
            let v = self.val(*c);
            self.b
                .ins()
                .store(MemFlagsData::trusted(), v, out, (8 * i) as i32);
        }
    }

    /// Emits `gradients(xy, n, params, out)`: the order-1 body once per point, in a loop.
    fn looped(mut b: FunctionBuilder<'a>, config: TargetFrontendConfig, ops: &[Op]) {
        let ptr = config.pointer_type();
        let (entry, header, body, exit) = (
            b.create_block(),
            b.create_block(),
            b.create_block(),
            b.create_block(),
        );
        b.append_block_params_for_function_params(entry);
        let i = b.append_block_param(header, ptr);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let &[xy, n, params, out] = b.block_params(entry) else {
            unreachable!("declared with four parameters")
        };
        let zero = b.ins().iconst(ptr, 0);
        b.ins().jump(header, &[BlockArg::Value(zero)]);
        b.switch_to_block(header);
        let more = b.ins().icmp(IntCC::UnsignedLessThan, i, n);
        b.ins().brif(more, body, &[], exit, &[]);
        b.switch_to_block(body);
        b.seal_block(body);
        let at = b.ins().imul_imm_u(i, 16);
        let point = b.ins().iadd(xy, at);
        let flags = MemFlagsData::trusted().with_readonly();
        let x = b.ins().load(F64, flags, point, 0);
        let y = b.ins().load(F64, flags, point, 8);
        let at = b.ins().imul_imm_u(i, 24);
        let out = b.ins().iadd(out, at);
        let mut g = Gen {
            b,
            order: 1,
            ptr,
            scratch: None,
            x,
            y,
            params,
            out: Some(out),
            config,
        };
        let jet = g.body(ops);
        g.store(jet, out);
        let next = g.b.ins().iadd_imm_u(i, 1);
        g.b.ins().jump(header, &[BlockArg::Value(next)]);
        g.b.seal_block(header);
        g.b.switch_to_block(exit);
        g.b.seal_block(exit);
        g.b.ins().return_(&[]);
        g.b.finalize(config);
    }

    fn op(&mut self, op: Op, s: &[Jet]) -> Jet {
        let s = |i: u32| s[i as usize];
        match op {
            Op::Const(k) => constant(k),
            Op::X => [V(self.x), K(1.0), ZERO, ZERO, ZERO, ZERO],
            Op::Y => [V(self.y), ZERO, K(1.0), ZERO, ZERO, ZERO],
            Op::Param(i) => {
                let v = self.b.ins().load(
                    F64,
                    MemFlagsData::trusted().with_readonly(),
                    self.params,
                    (8 * i) as i32,
                );
                [V(v), ZERO, ZERO, ZERO, ZERO, ZERO]
            }
            Op::Neg(a) => self.scale(s(a), -1.0),
            Op::Add(a, b) => self.add(s(a), s(b), false),
            Op::Sub(a, b) => self.add(s(a), s(b), true),
            Op::Mul(a, b) => {
                let (a, b) = (s(a), s(b));
                let v = self.exact(Bin::Mul, a[0], b[0]);
                let p = [v, b[0], a[0], ZERO, K(1.0), ZERO];
                self.chain2(a, b, p)
            }
            Op::Div(a, b) => {
                let (a, b) = (s(a), s(b));
                let q = self.exact(Bin::Div, a[0], b[0]);
                if self.order == 0 {
                    return [q, ZERO, ZERO, ZERO, ZERO, ZERO];
                }
                let inv = self.exact(Bin::Div, K(1.0), b[0]);
                let nq = self.neg(q);
                let db = self.exact(Bin::Mul, nq, inv);
                let ninv = self.neg(inv);
                let dab = self.exact(Bin::Mul, ninv, inv);
                let q2 = self.exact(Bin::Mul, K(2.0), q);
                let q2i = self.exact(Bin::Mul, q2, inv);
                let dbb = self.exact(Bin::Mul, q2i, inv);
                self.chain2(a, b, [q, inv, db, ZERO, dab, dbb])
            }
            Op::Rem(a, b) => {
                let (a, b) = (s(a), s(b));
                let v = self.call2(fmod, a[0], b[0]);
                if self.order == 0 {
                    return [v, ZERO, ZERO, ZERO, ZERO, ZERO];
                }
                let d = self.exact(Bin::Sub, a[0], v);
                let q = self.exact(Bin::Div, d, b[0]);
                let db = self.neg(q);
                self.chain2(a, b, [v, K(1.0), db, ZERO, ZERO, ZERO])
            }
            Op::Pow(a, b) => {
                let (a, b) = (s(a), s(b));
                if self.order == 0 {
                    let v = self.call2(powf, a[0], b[0]);
                    return [v, ZERO, ZERO, ZERO, ZERO, ZERO];
                }
                let p = self.call_partials(pow_jet, a[0], b[0]);
                self.chain2(a, b, p)
            }
            Op::Offset(a, k) => {
                let mut j = s(a);
                j[0] = self.exact(Bin::Add, j[0], K(k));
                j
            }
            Op::Scale(a, k) => self.scale(s(a), k),
            Op::SubFrom(k, a) => {
                let mut j = self.scale(s(a), -1.0);
                j[0] = self.exact(Bin::Add, j[0], K(k));
                j
            }
            Op::Square(a) => self.powk(s(a), 2.0),
            Op::PowK(a, k) => self.powk(s(a), k),
            Op::F1(f, a) => self.f1(f, s(a)),
            Op::F2(f, a, b) => {
                let (a, b) = (s(a), s(b));
                if let (Some(va), Some(vb)) = (is_const(&a), is_const(&b)) {
                    return constant(f.apply(va, vb));
                }
                if self.order == 0 {
                    let v = self.call2(FN2_VALUE[f as usize], a[0], b[0]);
                    return [v, ZERO, ZERO, ZERO, ZERO, ZERO];
                }
                let p = self.call_partials(FN2_JET[f as usize], a[0], b[0]);
                self.chain2(a, b, p)
            }
        }
    }

    /// a^k for a constant k, as `powk2` in the interpreter.
    fn powk(&mut self, a: Jet, k: f64) -> Jet {
        let pow = |g: &mut Self, k: f64| -> C {
            if k == 2.0 {
                g.exact(Bin::Mul, a[0], a[0])
            } else if k.fract() == 0.0 && k.abs() <= 64.0 {
                g.call_powi(a[0], k as i32)
            } else {
                g.call2(powf, a[0], K(k))
            }
        };
        if let Some(v) = is_const(&a) {
            return constant(super::jet::powk(v, k));
        }
        if self.order == 0 || k == 1.0 {
            let v = if k == 1.0 { a[0] } else { pow(self, k) };
            return self.chain(a, v, K(1.0), ZERO);
        }
        if k == 2.0 {
            let v = pow(self, 2.0);
            let d = self.exact(Bin::Mul, K(2.0), a[0]);
            return self.chain(a, v, d, K(2.0));
        }
        let v = pow(self, k);
        let p1 = pow(self, k - 1.0);
        let d = self.exact(Bin::Mul, K(k), p1);
        let p2 = pow(self, k - 2.0);
        let dd = self.exact(Bin::Mul, K(k * (k - 1.0)), p2);
        self.chain(a, v, d, dd)
    }

    fn f1(&mut self, f: Fn1, a: Jet) -> Jet {
        if let Some(v) = is_const(&a) {
            return constant(f.apply(v));
        }
        let av = self.val(a[0]);
        if self.order == 0 {
            let v = match f {
                Fn1::Sqrt => self.b.ins().sqrt(av),
                Fn1::Abs => self.b.ins().fabs(av),
                _ => self.call(Helper::F1(FN1_VALUE[f as usize]), &[av])[0],
            };
            return [V(v), ZERO, ZERO, ZERO, ZERO, ZERO];
        }
        let (v, d, dd) = if f == Fn1::Sqrt {
            // Inline, as `Fn1::apply2`: (s, 0.5/s, -0.25/(s*a)).
            let s = V(self.b.ins().sqrt(av));
            let d = self.exact(Bin::Div, K(0.5), s);
            let sa = self.exact(Bin::Mul, s, a[0]);
            (s, d, self.exact(Bin::Div, K(-0.25), sa))
        } else {
            let addr = self.scratch_addr();
            self.call(Helper::Jet1(FN1_JET[f as usize]), &[av, addr]);
            (self.scratch(0), self.scratch(1), self.scratch(2))
        };
        self.chain(a, v, d, dd)
    }

    fn add(&mut self, a: Jet, b: Jet, subtract: bool) -> Jet {
        let op = if subtract { Bin::Sub } else { Bin::Add };
        let mut j = [ZERO; 6];
        j[0] = self.exact(op, a[0], b[0]);
        for i in 1..self.width() {
            let bi = if subtract { self.neg(b[i]) } else { b[i] };
            j[i] = self.sum(a[i], bi);
        }
        j
    }

    fn scale(&mut self, a: Jet, k: f64) -> Jet {
        let mut j = [ZERO; 6];
        j[0] = if k == -1.0 {
            self.neg(a[0])
        } else {
            self.exact(Bin::Mul, a[0], K(k))
        };
        for i in 1..self.width() {
            j[i] = self.prod(a[i], K(k));
        }
        j
    }

    /// g(u) with g' = d, g'' = dd: ∇ = d∇u, H = dd ∇u∇uᵀ + d ∇²u.
    fn chain(&mut self, a: Jet, v: C, d: C, dd: C) -> Jet {
        let mut j = [v, ZERO, ZERO, ZERO, ZERO, ZERO];
        if self.order >= 1 {
            j[1] = self.prod(d, a[1]);
            j[2] = self.prod(d, a[2]);
        }
        if self.order >= 2 {
            for (k, (i, jj)) in [(1, 1), (1, 2), (2, 2)].into_iter().enumerate() {
                let t = self.prod(dd, a[i]);
                let outer = self.prod(t, a[jj]);
                let inner = self.prod(d, a[3 + k]);
                j[3 + k] = self.sum(outer, inner);
            }
        }
        j
    }

    /// g(a, b) with partials `[v, da, db, daa, dab, dbb]`, as `Jet2::chain2`.
    fn chain2(&mut self, a: Jet, c: Jet, p: [C; 6]) -> Jet {
        let [v, da, db, daa, dab, dbb] = p;
        let mut j = [v, ZERO, ZERO, ZERO, ZERO, ZERO];
        if self.order >= 1 {
            for i in 1..3 {
                let l = self.prod(da, a[i]);
                let r = self.prod(db, c[i]);
                j[i] = self.sum(l, r);
            }
        }
        if self.order >= 2 {
            for (k, (i, jj)) in [(1, 1), (1, 2), (2, 2)].into_iter().enumerate() {
                let t = self.prod(daa, a[i]);
                let aa = self.prod(t, a[jj]);
                let x1 = self.prod(a[i], c[jj]);
                let x2 = self.prod(c[i], a[jj]);
                let cross = self.sum(x1, x2);
                let ab = self.prod(dab, cross);
                let t = self.prod(dbb, c[i]);
                let cc = self.prod(t, c[jj]);
                let first = self.sum(aa, ab);
                let outer = self.sum(first, cc);
                let ha = self.prod(da, a[3 + k]);
                let hc = self.prod(db, c[3 + k]);
                let with_a = self.sum(outer, ha);
                j[3 + k] = self.sum(with_a, hc);
            }
        }
        j
    }

    fn scratch_addr(&mut self) -> Value {
        let slot = *self.scratch.get_or_insert_with(|| {
            let data = StackSlotData::new(StackSlotKind::ExplicitSlot, 48, 3);
            self.b.create_sized_stack_slot(data)
        });
        self.b.ins().stack_addr(self.ptr, slot, 0)
    }

    /// The i-th number a helper wrote to the scratch slot.
    fn scratch(&mut self, i: usize) -> C {
        let slot = self.scratch.expect("a helper was called first");
        V(self.b.ins().stack_load(self.ptr, F64, slot, 8 * i as i32))
    }

    fn val(&mut self, c: C) -> Value {
        match c {
            K(k) => self.b.ins().f64const(k),
            V(v) => v,
        }
    }

    /// IEEE arithmetic exactly as written; only known-with-known folds.
    fn exact(&mut self, op: Bin, a: C, b: C) -> C {
        if let (K(a), K(b)) = (a, b) {
            return K(op.apply(a, b));
        }
        let (a, b) = (self.val(a), self.val(b));
        let ins = self.b.ins();
        V(match op {
            Bin::Add => ins.fadd(a, b),
            Bin::Sub => ins.fsub(a, b),
            Bin::Mul => ins.fmul(a, b),
            Bin::Div => ins.fdiv(a, b),
        })
    }

    fn neg(&mut self, a: C) -> C {
        match a {
            K(k) => K(-k),
            V(v) => V(self.b.ins().fneg(v)),
        }
    }

    /// A derivative term's sum: known zeros drop out.
    fn sum(&mut self, a: C, b: C) -> C {
        match (a, b) {
            (K(z), o) | (o, K(z)) if z == 0.0 => o,
            _ => self.exact(Bin::Add, a, b),
        }
    }

    /// A derivative term's product: a known zero is zero whatever the other factor.
    fn prod(&mut self, a: C, b: C) -> C {
        match (a, b) {
            (K(z), _) | (_, K(z)) if z == 0.0 => ZERO,
            (K(one), o) | (o, K(one)) if one == 1.0 => o,
            (K(m), o) | (o, K(m)) if m == -1.0 => self.neg(o),
            _ => self.exact(Bin::Mul, a, b),
        }
    }

    /// Calls a helper at a fixed address; returns its results.
    fn call(&mut self, f: Helper, args: &[Value]) -> Vec<Value> {
        let (addr, sig) = match f {
            Helper::F1(p) => (p as usize, self.sig(&[F64], true)),
            Helper::F2(p) => (p as usize, self.sig(&[F64, F64], true)),
            Helper::Jet1(p) => (p as usize, self.sig(&[F64, self.ptr], false)),
            Helper::Jet2(p) => (p as usize, self.sig(&[F64, F64, self.ptr], false)),
            Helper::Powi(p) => (p as usize, self.sig(&[F64, I32], true)),
        };
        let callee = self.b.ins().iconst(self.ptr, addr as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call).to_vec()
    }

    fn sig(&mut self, params: &[Type], returns: bool) -> SigRef {
        let mut sig = Signature::new(self.b.func.signature.call_conv);
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        if returns {
            sig.returns.push(AbiParam::new(F64));
        }
        self.b.import_signature(sig)
    }

    fn call2(&mut self, f: extern "C" fn(f64, f64) -> f64, a: C, b: C) -> C {
        if let (K(a), K(b)) = (a, b) {
            return K(f(a, b));
        }
        let args = [self.val(a), self.val(b)];
        V(self.call(Helper::F2(f), &args)[0])
    }

    fn call_powi(&mut self, a: C, k: i32) -> C {
        let args = [self.val(a), self.b.ins().iconst(I32, k as i64)];
        V(self.call(Helper::Powi(powi), &args)[0])
    }

    /// Calls a helper that writes `[v, da, db, daa, dab, dbb]` to the scratch slot.
    fn call_partials(&mut self, f: extern "C" fn(f64, f64, *mut f64), a: C, b: C) -> [C; 6] {
        let addr = self.scratch_addr();
        let args = [self.val(a), self.val(b), addr];
        self.call(Helper::Jet2(f), &args);
        std::array::from_fn(|i| self.scratch(i))
    }
}

/// Rust functions the generated code calls, so they compute exactly what the interpreter does.
#[derive(Clone, Copy)]
enum Helper {
    F1(extern "C" fn(f64) -> f64),
    F2(extern "C" fn(f64, f64) -> f64),
    Jet1(extern "C" fn(f64, *mut f64)),
    Jet2(extern "C" fn(f64, f64, *mut f64)),
    Powi(extern "C" fn(f64, i32) -> f64),
}

extern "C" fn fmod(a: f64, b: f64) -> f64 {
    a % b
}

extern "C" fn powf(a: f64, b: f64) -> f64 {
    a.powf(b)
}

extern "C" fn powi(a: f64, k: i32) -> f64 {
    a.powi(k)
}

fn write(out: *mut f64, values: &[f64]) {
    for (i, v) in values.iter().enumerate() {
        // SAFETY: `out` is the generated code's 48-byte scratch slot; at most six values.
        unsafe { out.add(i).write(*v) }
    }
}

fn write_partials(out: *mut f64, p: Partials2) {
    write(out, &[p.v, p.da, p.db, p.daa, p.dab, p.dbb]);
}

extern "C" fn pow_jet(a: f64, b: f64, out: *mut f64) {
    let (v, da, db, daa, dab, dbb) = pow_partials(a, b);
    write(out, &[v, da, db, daa, dab, dbb]);
}

extern "C" fn fn1_value<const F: usize>(a: f64) -> f64 {
    Fn1::ALL[F].apply(a)
}

extern "C" fn fn1_jet<const F: usize>(a: f64, out: *mut f64) {
    let (v, d, dd) = Fn1::ALL[F].apply2(a);
    write(out, &[v, d, dd]);
}

extern "C" fn fn2_value<const F: usize>(a: f64, b: f64) -> f64 {
    FN2[F].apply(a, b)
}

extern "C" fn fn2_jet<const F: usize>(a: f64, b: f64, out: *mut f64) {
    write_partials(out, fn2_partials(FN2[F], a, b));
}

const FN2: [Fn2; 3] = [Fn2::Min, Fn2::Max, Fn2::Atan2];

macro_rules! table {
    ($f:ident, $ty:ty; $($i:literal)*) => { [$($f::<$i> as $ty),*] };
}

const FN1_VALUE: [extern "C" fn(f64) -> f64; 20] = table!(fn1_value, extern "C" fn(f64) -> f64;
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19);
const FN1_JET: [extern "C" fn(f64, *mut f64); 20] = table!(fn1_jet, extern "C" fn(f64, *mut f64);
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19);
const FN2_VALUE: [extern "C" fn(f64, f64) -> f64; 3] =
    table!(fn2_value, extern "C" fn(f64, f64) -> f64; 0 1 2);
const FN2_JET: [extern "C" fn(f64, f64, *mut f64); 3] =
    table!(fn2_jet, extern "C" fn(f64, f64, *mut f64); 0 1 2);
