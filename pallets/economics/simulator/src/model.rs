//! The agent model and the hour-by-hour loop that drives the real pallets.
//!
//! Each simulated hour is one economics epoch (block `hour × 1200`): the pallets' hooks run, then
//! every agent's demand for the hour is served from the workers' capacity (contributors first,
//! free-riders from what is left), and the hour's demand and capacity are reported to the
//! economics pallet (α's input). Once a day, at its own hour (staggered so settlements see the
//! whole diurnal α cycle), each agent settles: a worker's claimed GPU-hours go through
//! `Settlement::settle_work` (the formula, the caps, the receipt), the agent pays for what it was
//! served through `Settlement::consume_free` at the current quote, free-riders buy credits from
//! contributors with surplus by real `pallet_credits` transfers, and a cheater whose fake jobs
//! were sampled loses that day's pay and a bond and is suspended.

use crate::runtime::{AccountId, Credits, Economics, RuntimeHoldReason, Sim, System, HOUR};
use declai_primitives::{economics::throughput_ratio_f64, HardwareClass, CRED};
use frame_support::traits::Hooks;
use pallet_economics::Settlement;
use rand::{rngs::SmallRng, Rng, SeedableRng};
use sp_core::H256;
use sp_runtime::FixedPointNumber;

/// The settlement interface the inference pallet will use, on the simulated runtime.
type Econ = Economics;

/// Agent strategies.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Kind {
	/// Offers its whole device capacity and computes honestly.
	Honest,
	/// Offers a part of its capacity.
	Partial,
	/// Has no worker: only consumes, buying credits from contributors.
	FreeRider,
	/// Offers capacity but fakes a share of its jobs.
	Cheater,
}

impl Kind {
	pub const ALL: [Kind; 4] = [Kind::Honest, Kind::Partial, Kind::FreeRider, Kind::Cheater];

	pub fn name(self) -> &'static str {
		match self {
			Kind::Honest => "honest",
			Kind::Partial => "partial",
			Kind::FreeRider => "free_rider",
			Kind::Cheater => "cheater",
		}
	}

	fn index(self) -> usize {
		match self {
			Kind::Honest => 0,
			Kind::Partial => 1,
			Kind::FreeRider => 2,
			Kind::Cheater => 3,
		}
	}
}

/// Model parameters (see `--help` of the binary and the README for the sources of the numbers).
#[derive(Clone, Debug)]
pub struct Params {
	pub agents: usize,
	pub initial_agents: usize,
	pub days: u32,
	pub seed: u64,
	/// Day by which the network has half its final size (logistic growth).
	pub growth_midpoint_day: f64,
	/// Shares of honest, partial, free-rider and cheating agents.
	pub mix: [f64; 4],
	/// Mean inference demand per agent, reference GPU-hours a day.
	pub demand_per_day: f64,
	/// Amplitude of the diurnal demand cycle (peak at 14:00, trough at 02:00).
	pub diurnal_amplitude: f64,
	/// Share of capacity a partial contributor offers.
	pub partial_share: f64,
	/// Share of jobs a cheater fakes.
	pub cheat_share: f64,
	/// Lowest check probability per job of a trusted worker; above it the chain checks
	/// `1 / CV` of the jobs (CV: consecutive valid jobs), as `poi::audit_rate` does.
	pub audit_floor: f64,
	/// Consecutive valid jobs before a worker stops being replicated (the chain's `TrustAfter`).
	pub trust_after_jobs: u64,
	/// Size of one job in reference GPU-hours.
	pub job_size: f64,
	/// Credits burned per wrong result caught (the chain: 10% of the 10 CRED `MinBond`).
	pub slash: f64,
	/// Days a caught cheater is suspended (the chain suspends only by governance: 0).
	pub suspension_days: u32,
	/// Genesis credits of each founder.
	pub founder_endowment: f64,
	/// Value of one credit in reference GPU-hours of inference (face value: 1).
	pub credit_value: f64,
	/// Fixed cost of running a worker, in reference GPU-hour units a day.
	pub worker_fixed_cost: f64,
	/// Genesis supply rules.
	pub bootstrap_cap: u128,
	pub limits: pallet_economics::SupplyLimits,
	/// The bootstrap issuance (a match of new workers' first earnings).
	pub bootstrap: pallet_economics::BootstrapParams,
}

impl Params {
	pub fn for_agents(agents: usize) -> Self {
		Params {
			agents,
			initial_agents: agents.clamp(1, 50),
			days: 3 * 365,
			seed: 42,
			growth_midpoint_day: 90.0,
			mix: [0.55, 0.20, 0.20, 0.05],
			demand_per_day: 6.0,
			diurnal_amplitude: 0.5,
			partial_share: 0.3,
			cheat_share: 0.5,
			audit_floor: 0.01,
			trust_after_jobs: 10,
			job_size: 0.5,
			slash: 1.0,
			suspension_days: 0,
			founder_endowment: 60.0,
			credit_value: 1.0,
			worker_fixed_cost: 0.5,
			// The per-account floor: 1,000 CRED (about half a year of one agent's demand), so that
			// the 5% rule is the live cap from about 20,000 CRED of supply on.
			bootstrap_cap: 1_000 * CRED,
			limits: pallet_economics::SupplyLimits {
				circulation_percent: 110,
				// The founders' endowment (50 × 60 CRED) and a little room: the cap follows
				// consumption from the first weeks on.
				bootstrap_circulation: 5_000 * CRED,
				epoch_mint_floor: 100 * CRED,
				epoch_mint_percent: 300,
			},
			bootstrap: pallet_economics::BootstrapParams {
				match_share: sp_runtime::Perbill::one(),
				per_worker: 50 * CRED,
				capacity_share: sp_runtime::Perbill::from_percent(25),
				daily_share: sp_runtime::Perbill::from_percent(10),
				sunset_daily_consumption: 100_000 * CRED,
			},
		}
	}
}

/// Hardware mix of agents that run workers (shares), and the marginal energy cost per
/// device-hour in reference GPU-hour value units (power × $0.15/kWh ÷ $1.60 per A100-hour).
const HARDWARE: [(HardwareClass, f64, f64); 6] = [
	(HardwareClass::Cpu, 0.10, 0.066),
	(HardwareClass::Rtx3060, 0.25, 0.016),
	(HardwareClass::Rtx4090, 0.30, 0.042),
	(HardwareClass::L4, 0.10, 0.007),
	(HardwareClass::A100, 0.15, 0.038),
	(HardwareClass::H100, 0.10, 0.066),
];

fn class_index(class: HardwareClass) -> usize {
	HARDWARE.iter().position(|(c, _, _)| *c == class).unwrap_or(0)
}

struct Agent {
	id: AccountId,
	kind: Kind,
	class: Option<HardwareClass>,
	/// Reference GPU-hours this agent's worker can serve per hour (before replication).
	capacity_ref_per_hour: f64,
	desired_per_day: f64,
	settle_hour: u32,
	budget_per_day: f64,
	pending_device_hours: f64,
	/// Reference work claimed since the last settlement (this worker's share of the jobs it
	/// served, fakes included), and its price at the α of each hour: the job budget.
	pending_claimed_ref: f64,
	pending_budget: f64,
	pending_fake_jobs: f64,
	pending_served: f64,
	jobs_done: f64,
	suspended_until: u32,
	/// Spendable credits above 7 days of own demand at the last settlement.
	surplus: u128,
	utility: f64,
}

impl Agent {
	fn works(&self, day: u32) -> bool {
		self.class.is_some() && day >= self.suspended_until
	}
	/// Probability that one of this worker's jobs is checked: 1 while it is replicated (a
	/// second worker serves the same job), then `max(1 / CV, floor)`.
	fn check_rate(&self, p: &Params) -> f64 {
		if self.jobs_done < p.trust_after_jobs as f64 {
			1.0
		} else {
			(1.0 / self.jobs_done).max(p.audit_floor)
		}
	}

	/// Executions per job served: 2 while replicated, then 1 plus the checks.
	fn overhead(&self, p: &Params) -> f64 {
		if self.jobs_done < p.trust_after_jobs as f64 {
			2.0
		} else {
			1.0 + self.check_rate(p)
		}
	}
}

/// One row per day.
#[derive(Clone, Debug, Default)]
pub struct DayRow {
	pub day: u32,
	pub agents: [usize; 4],
	pub workers: usize,
	pub generation: f64,
	pub earned: f64,
	pub withheld: f64,
	pub consumption: f64,
	pub demand: f64,
	pub capacity: f64,
	pub served: f64,
	pub alpha_mean: f64,
	pub alpha_min: f64,
	pub alpha_max: f64,
	pub beta: f64,
	pub beta_target: f64,
	pub ratio_30d: f64,
	pub minted_ratio_30d: f64,
	pub circulation: f64,
	pub circulation_cap: f64,
	pub floor_free_cap: f64,
	pub largest_share: f64,
	pub concentration_cap: f64,
	pub utility: [f64; 4],
	pub served_fraction: [f64; 4],
	pub caught: u32,
	/// Withheld by reason: concentration cap, circulation cap, epoch ceiling, job budget, pause.
	pub withheld_by_reason: [f64; 5],
	/// Issued by the bootstrap schedule.
	pub bootstrap: f64,
	/// Days of consumption held (circulation ÷ the window's mean daily consumption).
	pub days_held: f64,
	/// 0 grow, 1 hold, 2 shrink.
	pub regime: u8,
	/// Expired credits swept this day.
	pub expired: f64,
	/// The epoch mint ceiling at the end of the day.
	pub epoch_ceiling: f64,
}

/// One row per hour.
#[derive(Clone, Debug, Default)]
pub struct HourRow {
	pub hour: u64,
	pub alpha: f64,
	pub beta: f64,
	pub demand: f64,
	pub capacity: f64,
}

/// Per hardware class totals.
#[derive(Clone, Debug, Default)]
pub struct ClassRow {
	pub device_hours: f64,
	pub served_ref: f64,
	pub minted: f64,
}

/// What a run produced.
pub struct Outcome {
	pub days: Vec<DayRow>,
	pub hours: Vec<HourRow>,
	pub classes: [ClassRow; 6],
	pub invariant_checks: u64,
	pub settlements: u64,
	pub consumptions: u64,
	pub transfers: u64,
}

fn cred(x: u128) -> f64 {
	x as f64 / CRED as f64
}

fn planck(x: f64) -> u128 {
	if x <= 0.0 {
		0
	} else {
		(x * CRED as f64) as u128
	}
}

fn fixed(x: sp_runtime::FixedU128) -> f64 {
	x.into_inner() as f64 / sp_runtime::FixedU128::DIV as f64
}

/// A sample of a log-normal variable with the given mean and log-sd.
fn lognormal(rng: &mut SmallRng, mean: f64, sigma: f64) -> f64 {
	let (u1, u2): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.gen());
	let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
	mean * (sigma * z - sigma * sigma / 2.0).exp()
}

fn pick<T: Copy>(rng: &mut SmallRng, items: &[(T, f64)]) -> Option<T> {
	let mut x: f64 = rng.gen();
	for (item, share) in items {
		if x < *share {
			return Some(*item);
		}
		x -= share;
	}
	items.last().map(|(i, _)| *i)
}

fn new_agent(rng: &mut SmallRng, p: &Params, id: AccountId, founder: bool) -> Agent {
	let kinds: Vec<(Kind, f64)> = Kind::ALL.iter().copied().zip(p.mix).collect();
	// Founders run workers: someone has to serve the first jobs.
	let kind = if founder && id.is_multiple_of(4) {
		Kind::Honest
	} else {
		pick(rng, &kinds).unwrap_or(Kind::Honest)
	};
	let class = (kind != Kind::FreeRider)
		.then(|| {
			let mix: Vec<(HardwareClass, f64)> =
				HARDWARE.iter().map(|(c, s, _)| (*c, *s)).collect();
			pick(rng, &mix)
		})
		.flatten();
	let online_hours = rng.gen_range(12.0..24.0);
	let share = if kind == Kind::Partial { p.partial_share } else { 1.0 };
	let capacity_ref_per_hour =
		class.map_or(0.0, |c| throughput_ratio_f64(c) * online_hours / 24.0 * share);
	Agent {
		id,
		kind,
		class,
		capacity_ref_per_hour,
		desired_per_day: lognormal(rng, p.demand_per_day, 0.5),
		settle_hour: rng.gen_range(0..24),
		budget_per_day: 0.0,
		pending_device_hours: 0.0,
		pending_claimed_ref: 0.0,
		pending_budget: 0.0,
		pending_fake_jobs: 0.0,
		pending_served: 0.0,
		jobs_done: 0.0,
		suspended_until: 0,
		surplus: 0,
		utility: 0.0,
	}
}

/// Target population on `day`: a logistic curve from `initial_agents` (day 0) to `agents`,
/// half-way at `growth_midpoint_day`.
fn population(p: &Params, day: u32) -> usize {
	let (n0, n) = (p.initial_agents as f64, p.agents as f64);
	if n <= n0 {
		return p.agents;
	}
	let mid = p.growth_midpoint_day.max(1.0);
	// Steepness such that the curve starts within 0.25% of the way from n0 to n.
	let k = 6.0 / mid;
	let x = n0 + (n - n0) / (1.0 + (-k * (f64::from(day) - mid)).exp());
	(x.round() as usize).clamp(p.initial_agents, p.agents)
}

/// Runs the model; `progress` is called once a day.
pub fn run(p: &Params, mut progress: impl FnMut(u32, usize)) -> Result<Outcome, String> {
	let mut rng = SmallRng::seed_from_u64(p.seed);
	let mut agents: Vec<Agent> =
		(0..p.initial_agents).map(|i| new_agent(&mut rng, p, i as AccountId + 1, true)).collect();
	let endowed: Vec<(AccountId, u128)> =
		agents.iter().map(|a| (a.id, planck(p.founder_endowment))).collect();
	let mut ext = crate::runtime::genesis(endowed, p.bootstrap_cap, p.limits, p.bootstrap)?;
	let weights: Vec<f64> = (0..24)
		.map(|h| {
			1.0 + p.diurnal_amplitude
				* (2.0 * std::f64::consts::PI * (f64::from(h) - 8.0) / 24.0).sin()
		})
		.collect();
	let mut out = Outcome {
		days: Vec::new(),
		hours: Vec::new(),
		classes: Default::default(),
		invariant_checks: 0,
		settlements: 0,
		consumptions: 0,
		transfers: 0,
	};

	for day in 0..p.days {
		ext.execute_with(|| -> Result<(), String> {
			let mut row = DayRow { day, alpha_min: f64::MAX, ..Default::default() };
			let target = population(p, day);
			while agents.len() < target {
				let id = agents.len() as AccountId + 1;
				agents.push(new_agent(&mut rng, p, id, false));
			}
			let mut utility_today = vec![0.0; agents.len()];
			let mut served_by_kind = [0.0f64; 4];
			let mut wanted_by_kind = [0.0f64; 4];
			for hour in 0..24u32 {
				let n = (u64::from(day) * 24 + u64::from(hour) + 1) * HOUR;
				System::set_block_number(n);
				// The hour's events go (no pallet here deposits topics, so the topics' prefix
				// clear that `System::reset_events` runs over the whole state is not needed).
				frame_support::storage::unhashed::kill(&frame_support::storage::storage_prefix(
					b"System", b"Events",
				));
				frame_support::storage::unhashed::kill(&frame_support::storage::storage_prefix(
					b"System",
					b"EventCount",
				));
				let before = pallet_credits::TotalIssuance::<Sim>::get();
				Credits::on_initialize(n);
				// Closing a day retires the credits that expire on it: nothing else changes the
				// issuance in the hook.
				row.expired +=
					cred(before.saturating_sub(pallet_credits::TotalIssuance::<Sim>::get()));
				Economics::on_initialize(n);
				if hour == 0 {
					Credits::on_idle(n, frame_support::weights::Weight::MAX);
				}
				let alpha = fixed(pallet_economics::Alpha::<Sim>::get());

				// Demand of the hour, by priority: anyone running a worker first.
				let w = weights.get(hour as usize).copied().unwrap_or(1.0) / 24.0;
				let (mut d_first, mut d_last, mut serving) = (0.0, 0.0, 0.0);
				let mut capacity_offered = 0.0;
				for a in agents.iter() {
					let d = a.budget_per_day * w;
					if a.works(day) {
						d_first += d;
						serving += a.capacity_ref_per_hour / a.overhead(p);
						capacity_offered += a.capacity_ref_per_hour;
					} else {
						d_last += d;
					}
				}
				let served_first = d_first.min(serving);
				let served_last = d_last.min(serving - served_first);
				let f_first = if d_first > 0.0 { served_first / d_first } else { 0.0 };
				let f_last = if d_last > 0.0 { served_last / d_last } else { 0.0 };
				let utilization =
					if serving > 0.0 { (served_first + served_last) / serving } else { 0.0 };
				<Econ as Settlement<AccountId, RuntimeHoldReason>>::note_demand(planck(
					d_first + d_last,
				));
				<Econ as Settlement<AccountId, RuntimeHoldReason>>::note_capacity(planck(
					capacity_offered,
				));
				row.demand += d_first + d_last;
				row.capacity += capacity_offered;
				row.served += served_first + served_last;

				for (i, a) in agents.iter_mut().enumerate() {
					let d = a.budget_per_day * w;
					let f = if a.works(day) { f_first } else { f_last };
					a.pending_served += d * f;
					let k = a.kind.index();
					served_by_kind[k] += d * f;
					wanted_by_kind[k] += a.desired_per_day * w;
					if let (true, Some(class)) = (a.works(day), a.class) {
						// Work done for others, replicas included, in device-hours.
						let ref_hours = utilization * a.capacity_ref_per_hour;
						let device_hours = ref_hours / throughput_ratio_f64(class);
						let jobs = ref_hours / a.overhead(p) / p.job_size;
						let fake = if a.kind == Kind::Cheater { p.cheat_share } else { 0.0 };
						// The chain pays each replica its share of the job's reference work, at
						// most its share of the price.
						let share = ref_hours / a.overhead(p);
						a.pending_claimed_ref += share;
						a.pending_budget += share * alpha;
						a.pending_device_hours += device_hours * (1.0 - fake);
						a.pending_fake_jobs += jobs * fake;
						a.jobs_done += jobs;
						let c = class_index(class);
						let energy = HARDWARE.get(c).map_or(0.0, |h| h.2);
						if let Some(u) = utility_today.get_mut(i) {
							*u -= energy * device_hours * (1.0 - fake);
						}
						if let Some(cls) = out.classes.get_mut(c) {
							cls.device_hours += device_hours * (1.0 - fake);
							cls.served_ref += ref_hours;
						}
					}
				}

				// Daily settlement of the agents whose hour this is.
				let sellers: Vec<usize> = agents
					.iter()
					.enumerate()
					.filter(|(_, a)| a.surplus > 0)
					.map(|(i, _)| i)
					.collect();
				for i in 0..agents.len() {
					let Some(a) = agents.get(i) else { continue };
					if a.settle_hour != hour {
						continue;
					}
					let (id, kind, class) = (a.id, a.kind, a.class);
					// Each fake job is checked with the worker's check rate (every one while it is
					// replicated); a caught one is unpaid, burns the slash and resets CV. Fakes
					// that escape are paid, as on the chain.
					let fakes = a.pending_fake_jobs;
					let expected = fakes * a.check_rate(p);
					let mut caught_jobs = expected.floor();
					if rng.gen::<f64>() < expected - caught_jobs {
						caught_jobs += 1.0;
					}
					let caught = caught_jobs > 0.0;
					let unpaid = (caught_jobs * p.job_size).min(a.pending_claimed_ref);
					let (mut claimed, mut budget) = (a.pending_claimed_ref, a.pending_budget);
					if claimed > 0.0 {
						budget *= (claimed - unpaid) / claimed;
						claimed -= unpaid;
					}
					let mut minted = 0.0;
					if caught {
						row.caught += caught_jobs as u32;
						let bond = planck(p.slash * caught_jobs).min(Credits::spendable(&id));
						if bond > 0 {
							Credits::burn_free(&id, bond).map_err(|e| format!("slash: {e:?}"))?;
						}
						if let Some(u) = utility_today.get_mut(i) {
							*u -= cred(bond) * p.credit_value;
						}
					}
					if let (Some(class), true) = (class, claimed > 1e-9) {
						let job = H256::from_low_u64_be(id);
						let alpha_paid = budget / claimed;
						let (_, r) =
							<Econ as Settlement<AccountId, RuntimeHoldReason>>::settle_work(
								&id,
								job,
								class,
								true,
								planck(claimed),
								sp_runtime::FixedU128::from_float(alpha_paid),
								planck(budget),
							)
							.map_err(|e| format!("settle: {e:?}"))?;
						out.settlements += 1;
						minted = cred(r.minted + r.bootstrap);
						row.bootstrap += cred(r.bootstrap);
						row.generation += minted;
						row.earned += cred(r.earned);
						row.withheld += cred(r.withheld);
						if let Some(reason) = r.reason {
							let k = match reason {
								declai_primitives::WithholdReason::ConcentrationCap => 0,
								declai_primitives::WithholdReason::CirculationCap => 1,
								declai_primitives::WithholdReason::EpochCeiling => 2,
								declai_primitives::WithholdReason::JobBudget => 3,
								declai_primitives::WithholdReason::MintPaused => 4,
							};
							if let Some(x) = row.withheld_by_reason.get_mut(k) {
								*x += cred(r.withheld);
							}
						}
						if let Some(cls) = out.classes.get_mut(class_index(class)) {
							cls.minted += cred(r.minted);
						}
					}
					// Pay for what was served since the last settlement.
					let served = agents.get(i).map_or(0.0, |a| a.pending_served);
					let price =
						<Econ as Settlement<AccountId, RuntimeHoldReason>>::quote(planck(served))
							.map_err(|e| format!("quote: {e:?}"))?;
					let paid = price.min(Credits::spendable(&id));
					if paid > 0 {
						<Econ as Settlement<AccountId, RuntimeHoldReason>>::consume_free(&id, paid)
							.map_err(|e| format!("consume: {e:?}"))?;
						out.consumptions += 1;
						row.consumption += cred(paid);
					}
					let served_paid =
						if price > 0 { served * paid as f64 / price as f64 } else { 0.0 };
					// Free-riders buy three days of demand from contributors with surplus.
					let desired = agents.get(i).map_or(0.0, |a| a.desired_per_day);
					if kind == Kind::FreeRider && Credits::spendable(&id) < planck(desired * alpha)
					{
						let mut want = planck(3.0 * desired * alpha);
						for _ in 0..3 {
							if want == 0 || sellers.is_empty() {
								break;
							}
							let s =
								sellers.get(rng.gen_range(0..sellers.len())).copied().unwrap_or(0);
							let Some(seller) = agents.get_mut(s) else { continue };
							let amount =
								want.min(seller.surplus).min(Credits::spendable(&seller.id));
							if amount == 0 || seller.id == id {
								continue;
							}
							if Credits::do_transfer(&seller.id, &id, amount).is_ok() {
								seller.surplus -= amount;
								want -= amount;
								out.transfers += 1;
							}
						}
					}
					let spendable = Credits::spendable(&id);
					let Some(a) = agents.get_mut(i) else { continue };
					if caught {
						a.suspended_until = day + p.suspension_days;
						// CV restarts: replicated again for `trust_after_jobs` jobs.
						a.jobs_done = 0.0;
					}
					if let Some(u) = utility_today.get_mut(i) {
						*u += served_paid - cred(paid) * p.credit_value + minted * p.credit_value;
					}
					a.pending_served = 0.0;
					a.pending_claimed_ref = 0.0;
					a.pending_budget = 0.0;
					a.pending_device_hours = 0.0;
					a.pending_fake_jobs = 0.0;
					let reserve = planck(7.0 * a.desired_per_day * alpha);
					a.surplus =
						if a.class.is_some() { spendable.saturating_sub(reserve) } else { 0 };
					// Tomorrow's demand is what the agent wants and can pay for at today's price.
					a.budget_per_day = a.desired_per_day.min(cred(spendable) / (alpha * 1.1));
				}

				row.alpha_mean += alpha / 24.0;
				row.alpha_min = row.alpha_min.min(alpha);
				row.alpha_max = row.alpha_max.max(alpha);
				out.hours.push(HourRow {
					hour: u64::from(day) * 24 + u64::from(hour),
					alpha,
					beta: fixed(pallet_economics::Beta::<Sim>::get()),
					demand: d_first + d_last,
					capacity: capacity_offered,
				});
			}

			// End of day: fixed costs, state of the economy, invariants.
			for (i, a) in agents.iter().enumerate() {
				if a.works(day) {
					if let Some(u) = utility_today.get_mut(i) {
						*u -= p.worker_fixed_cost;
					}
				}
			}
			let mut count = [0usize; 4];
			let mut utility = [0.0f64; 4];
			let mut largest = 0u128;
			for (i, a) in agents.iter_mut().enumerate() {
				let k = a.kind.index();
				count[k] += 1;
				let u = utility_today.get(i).copied().unwrap_or(0.0);
				utility[k] += u;
				a.utility += u;
				largest = largest.max(Credits::owned(&a.id));
			}
			let s = Economics::summary();
			let issuance = s.circulation;
			row.agents = count;
			row.workers = agents.iter().filter(|a| a.works(day)).count();
			for (k, u) in row.utility.iter_mut().enumerate() {
				let Some(c) = count.get(k) else { continue };
				*u = if *c > 0 { utility[k] / *c as f64 } else { 0.0 };
				if let (Some(f), Some(sv), Some(wd)) =
					(row.served_fraction.get_mut(k), served_by_kind.get(k), wanted_by_kind.get(k))
				{
					*f = if *wd > 0.0 { sv / wd } else { 0.0 };
				}
			}
			if row.alpha_min == f64::MAX {
				row.alpha_min = 0.0;
			}
			row.beta = fixed(s.beta);
			row.beta_target = s.beta_target.map_or(0.0, fixed);
			row.ratio_30d = s.earned_over_consumed.map_or(0.0, fixed);
			row.minted_ratio_30d = if s.window.consumed > 0 {
				s.window.minted as f64 / s.window.consumed as f64
			} else {
				0.0
			};
			row.circulation = cred(issuance);
			row.circulation_cap = cred(s.circulation_cap);
			row.floor_free_cap =
				cred(s.window.consumed) * f64::from(s.limits.circulation_percent) / 100.0;
			row.largest_share = if issuance > 0 { largest as f64 / issuance as f64 } else { 0.0 };
			row.concentration_cap = cred(s.concentration_cap);
			row.days_held = s.days_held.map_or(f64::INFINITY, fixed);
			row.regime = match s.regime {
				declai_primitives::StockRegime::Grow => 0,
				declai_primitives::StockRegime::Hold => 1,
				declai_primitives::StockRegime::Shrink => 2,
			};
			row.epoch_ceiling = cred(s.epoch_mint_ceiling);
			Credits::do_try_state()
				.map_err(|e| format!("credits invariant broken on day {day}: {e:?}"))?;
			Economics::do_try_state()
				.map_err(|e| format!("economics invariant broken on day {day}: {e:?}"))?;
			out.invariant_checks += 1;
			progress(day, agents.len());
			out.days.push(row);
			Ok(())
		})?;
	}
	Ok(out)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn small() -> Params {
		let mut p = Params::for_agents(400);
		p.days = 100;
		p.initial_agents = 40;
		p.growth_midpoint_day = 30.0;
		p
	}

	#[test]
	fn a_growing_network_keeps_every_invariant_and_settles_the_ratio() {
		let p = small();
		let out = run(&p, |_, _| {}).expect("no invariant breaks");
		assert_eq!(out.invariant_checks, 100);
		assert!(out.settlements > 1_000 && out.consumptions > 1_000 && out.transfers > 0);
		let last = out.days.last().expect("a day");
		assert_eq!(last.agents.iter().sum::<usize>(), population(&p, 99));
		assert!(population(&p, 99) > 390, "the network grew from 40 to nearly 400");
		assert!((0.95..=1.05).contains(&last.ratio_30d), "earned/consumed {}", last.ratio_30d);
		assert!(out.hours.iter().all(|h| (0.8..=1.5).contains(&h.alpha)));
		assert!(out.days.iter().any(|d| d.caught > 0), "cheaters are sampled and caught");
	}

	#[test]
	fn a_tight_circulation_floor_withholds_and_says_why() {
		let mut p = small();
		// Less room than the founders' endowment: every mint past it is withheld.
		p.limits.bootstrap_circulation = 100 * CRED;
		let out = run(&p, |_, _| {}).expect("no invariant breaks");
		let circulation: f64 = out.days.iter().map(|d| d.withheld_by_reason[1]).sum();
		assert!(circulation > 0.0, "withheld for the circulation cap");
		for d in &out.days {
			let work = d.generation - d.bootstrap;
			assert!((d.earned - work - d.withheld).abs() < 1e-6 * d.earned.max(1.0));
		}
	}

	#[test]
	fn unspent_credits_expire_after_a_year_through_the_real_ledger() {
		// Nobody wants inference: the founders' genesis credits are never spent.
		let mut p = small();
		p.days = 370;
		p.demand_per_day = 0.0;
		let out = run(&p, |_, _| {}).expect("no invariant breaks");
		let genesis = p.initial_agents as f64 * p.founder_endowment;
		// Simulated hour h of day d is block (24d + h + 1) × HOUR: the chain's day 365, when the
		// genesis lots expire, starts in the last hour of simulated day 364.
		let expired_before: f64 = out.days.iter().take(364).map(|d| d.expired).sum();
		let expired_after: f64 = out.days.iter().skip(364).map(|d| d.expired).sum();
		assert_eq!(expired_before, 0.0, "nothing expires within the first year");
		assert!((expired_after - genesis).abs() < 1e-6, "expired {expired_after} of {genesis}");
		assert!(out.days.last().is_some_and(|d| d.circulation < 1e-9));
	}

	#[test]
	fn the_bootstrap_issuance_stays_bounded_and_the_ratio_in_band() {
		let out = run(&small(), |_, _| {}).expect("no invariant breaks");
		let p = small();
		let f = crate::report::findings(&out);
		assert!(f.bootstrap_total > 0.0, "a network short of credits gets bootstrap issuance");
		let workers = out.days.last().map_or(0, |d| d.agents[0] + d.agents[1] + d.agents[3]);
		assert!(f.bootstrap_total <= workers as f64 * cred(p.bootstrap.per_worker) + 1e-6);
		let (lo, hi) = f.ratio_range_after_warm_up;
		assert!(lo >= 0.95 && hi <= 1.05, "realised ratio {lo:.4}..{hi:.4} after the warm-up");
	}

	#[test]
	fn the_same_seed_gives_the_same_economy() {
		let a = run(&small(), |_, _| {}).expect("runs");
		let b = run(&small(), |_, _| {}).expect("runs");
		let gen = |o: &Outcome| o.days.iter().map(|d| d.generation).collect::<Vec<_>>();
		assert_eq!(gen(&a), gen(&b));
	}
}
