/**
 * What the platform adapters (@dogo/node, @dogo/browser) hand to the WebGPU backend: a device with a
 * uniform description of its adapter, the typed errors of getting and keeping one, and the per-device
 * "current activity" label that a device-lost error quotes. Touches no platform API itself: it only
 * reads GPUAdapter / GPUDevice objects it is given.
 */

/** A plain-data description of an adapter, the same shape on Node (Dawn) and in browsers. */
export interface GpuDeviceInfo {
  readonly name: string;
  readonly vendor: string;
  readonly architecture: string;
  /** The adapter's device field (a model name or id, where the platform exposes it). */
  readonly device: string;
  readonly description: string;
  /** True for CPU implementations (SwiftShader, llvmpipe/lavapipe, WARP, fallback adapters). */
  readonly isSoftware: boolean;
  readonly features: string[];
  readonly limits: Record<string, number>;
}

/** A ready device, its adapter and description; `note` says how it was obtained when that is not obvious. */
export interface GpuDeviceHandle {
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  readonly info: GpuDeviceInfo;
  readonly note?: string;
}

/** Options shared by both adapters' requestXxxGpuDevice functions. */
export interface GpuDeviceOptions {
  readonly powerPreference?: GPUPowerPreference;
  /** Limits the device must have; checked against the adapter first (AdapterLimitError). */
  readonly requiredLimits?: Readonly<Record<string, number>>;
  /** Request every limit at the adapter's maximum (default false: WebGPU defaults + requiredLimits). */
  readonly maxLimits?: boolean;
  readonly requiredFeatures?: readonly GPUFeatureName[];
  /** Features to enable where the adapter has them (e.g. 'timestamp-query' for tuning and profiles). */
  readonly optionalFeatures?: readonly GPUFeatureName[];
  /** Called once if the device is lost for any reason other than destroy(). */
  readonly onLost?: (error: DeviceLostError) => void;
}

/** No WebGPU adapter could be obtained; the message lists what was tried and how to fix it. */
export class NoAdapterError extends Error {
  override name = 'NoAdapterError';
  constructor(
    message: string,
    /** One line per attempt, e.g. `Dawn/Vulkan with VK_ICD_FILENAMES=...: no adapter`. */
    readonly tried: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The adapter cannot provide a limit the caller needs. */
export class AdapterLimitError extends Error {
  override name = 'AdapterLimitError';
  constructor(
    readonly limit: string,
    readonly needed: number,
    readonly available: number | undefined,
    adapterName: string,
  ) {
    super(
      available === undefined
        ? `adapter "${adapterName}" does not report limit ${limit} (needed ${needed}); use a newer browser or GPU driver`
        : `adapter "${adapterName}" supports ${limit} = ${available}, but ${needed} is needed; use smaller batches/shapes or a GPU with a larger ${limit}`,
    );
  }
}

/** A required feature is missing on the adapter. */
export class AdapterFeatureError extends Error {
  override name = 'AdapterFeatureError';
}

/** The device was lost (driver reset, out of memory, GPU process crash); says what was running. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    readonly detail: string,
    /** The activity label set on the device when it was lost. */
    readonly activity: string,
  ) {
    super(`WebGPU device lost (reason: ${reason}) while ${activity}: ${detail || 'no detail from the driver'}. Recreate the device and restart from the last checkpoint; if it repeats, lower the batch size or update the GPU driver.`);
  }
}

// Minimum values: limits WebGPU calls "maximum" are upper bounds; these two are alignments (smaller is better).
const ALIGNMENT_LIMITS = new Set(['minUniformBufferOffsetAlignment', 'minStorageBufferOffsetAlignment']);

/** Reads every numeric limit of a GPUSupportedLimits (own or prototype getters, Dawn and browsers alike). */
export function limitsRecord(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  const names = new Set<string>();
  for (const k in limits) names.add(k);
  for (let p: object | null = Object.getPrototypeOf(limits); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) names.add(k);
  }
  for (const k of names) {
    const v = (limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

const SOFTWARE_PATTERN = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|basic render|\bcpu\b/i;

/** Describes an adapter; `isSoftware` from isFallbackAdapter or a known CPU implementation's name. */
export function describeAdapter(adapter: GPUAdapter): GpuDeviceInfo {
  const ai = (adapter.info ?? {}) as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
  const vendor = ai.vendor ?? '';
  const architecture = ai.architecture ?? '';
  const device = ai.device ?? '';
  const description = ai.description ?? '';
  const fallback = ai.isFallbackAdapter === true || (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const isSoftware = fallback || SOFTWARE_PATTERN.test([vendor, architecture, device, description].join(' '));
  const name = description || [vendor, architecture, device].filter(Boolean).join(' ') || 'unknown adapter';
  return { name, vendor, architecture, device, description, isSoftware, features: [...adapter.features].map(String).sort(), limits: limitsRecord(adapter.limits) };
}

/**
 * Checks that `adapter` can provide every limit in `needed`; returns them as requiredLimits for
 * requestDevice. Throws AdapterLimitError naming the first limit that does not fit.
 */
export function requireLimits(adapter: GPUAdapter, needed: Readonly<Record<string, number>>): Record<string, number> {
  const have = limitsRecord(adapter.limits);
  const name = describeAdapter(adapter).name;
  for (const [limit, value] of Object.entries(needed)) {
    const available = have[limit];
    const ok = available !== undefined && (ALIGNMENT_LIMITS.has(limit) ? value >= available : value <= available);
    if (!ok) throw new AdapterLimitError(limit, value, available, name);
  }
  return { ...needed };
}

/** The live state of one device: what it is doing now (for DeviceLostError) and whether it is lost. */
export class DeviceActivity {
  /** What the device is doing, e.g. "running step 12 (conv2d_backward_weight)"; set by the backend. */
  label = 'idle';
  /** Set once the device is lost for a reason other than destroy(). */
  lost: DeviceLostError | null = null;
  private readonly listeners: ((e: DeviceLostError) => void)[] = [];

  /** Sets the activity label; returns the previous one so callers can restore it. */
  set(label: string): string {
    const prev = this.label;
    this.label = label;
    return prev;
  }

  /** Throws the DeviceLostError if the device has been lost. */
  throwIfLost(): void {
    if (this.lost) throw this.lost;
  }

  onLost(listener: (e: DeviceLostError) => void): void {
    if (this.lost) listener(this.lost);
    else this.listeners.push(listener);
  }

  /** @internal Called from device.lost. */
  markLost(info: { reason: string; message: string }): void {
    if (this.lost) return;
    this.lost = new DeviceLostError(info.reason, info.message, this.label);
    for (const l of this.listeners.splice(0)) l(this.lost);
  }
}

const activities = new WeakMap<GPUDevice, DeviceActivity>();

/** The activity record of `device`, created (and device.lost watched) on first use. */
export function deviceActivity(device: GPUDevice): DeviceActivity {
  let a = activities.get(device);
  if (!a) {
    const created = new DeviceActivity();
    activities.set(device, created);
    a = created;
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed') created.markLost({ reason: String(info.reason ?? 'unknown'), message: info.message ?? '' });
    });
  }
  return a;
}

/**
 * Requests a device from `adapter` with the options' limits and features checked first, watches it
 * for loss, and describes it. Shared by both adapters once they have a GPUAdapter.
 */
export async function openDevice(adapter: GPUAdapter, options: GpuDeviceOptions = {}, note?: string): Promise<GpuDeviceHandle> {
  const info = describeAdapter(adapter);
  const requiredLimits = options.maxLimits ? { ...info.limits } : {};
  Object.assign(requiredLimits, requireLimits(adapter, options.requiredLimits ?? {}));
  for (const f of options.requiredFeatures ?? []) {
    if (!adapter.features.has(f)) throw new AdapterFeatureError(`adapter "${info.name}" lacks feature ${f}; it has: ${info.features.join(', ') || 'none'}`);
  }
  // Dawn rejects limit names it does not know in requiredLimits; pass only those the adapter reports.
  for (const k of Object.keys(requiredLimits)) if (!(k in info.limits)) delete requiredLimits[k];
  const features = new Set<GPUFeatureName>(options.requiredFeatures ?? []);
  for (const f of options.optionalFeatures ?? []) if (adapter.features.has(f)) features.add(f);
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures: [...features] });
  const activity = deviceActivity(device);
  if (options.onLost) activity.onLost(options.onLost);
  return note === undefined ? { device, adapter, info } : { device, adapter, info, note };
}
