/// <reference types="node" />
/**
 * Linux Vulkan quirks of Dawn's Node bindings, kept apart from the adapter's main path: which driver
 * environment is configured, where Chromium's SwiftShader ICD lives, whether the Vulkan loader
 * (libvulkan.so.1) can be found, and an XDG_RUNTIME_DIR for drivers that insist on one.
 * Internal to @dogo/node.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Debian's chromium package ships SwiftShader, a CPU Vulkan driver, with this ICD manifest. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The Vulkan driver selection variables the loader reads, with their values (only those set). */
export function configuredVulkanDrivers(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES']) if (env[k]) out[k] = env[k]!;
  return out;
}

/**
 * Whether libvulkan.so.1 is where the dynamic linker will look (system library dirs, LD_LIBRARY_PATH).
 * Dawn loads it with dlopen at instance creation; without it there is no Vulkan adapter at all.
 */
export function findVulkanLoader(env: NodeJS.ProcessEnv = process.env): string | null {
  if (process.platform !== 'linux') return 'n/a';
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu',
    '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib',
  ];
  for (const d of dirs) {
    const p = path.join(d, 'libvulkan.so.1');
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * Sets XDG_RUNTIME_DIR to a fresh temporary directory if it is unset (some Vulkan drivers print errors
 * or refuse to start without it). Returns the directory it set, or null if one was already set.
 */
export function ensureXdgRuntimeDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.XDG_RUNTIME_DIR && existsSync(env.XDG_RUNTIME_DIR)) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'dogo-xdg-'));
  env.XDG_RUNTIME_DIR = dir;
  return dir;
}

/** What to tell the user when no adapter was found, given what was tried. */
export function noAdapterAdvice(loader: string | null): string {
  if (loader === null) {
    const chromiumLoader = existsSync('/usr/lib/chromium/libvulkan.so.1');
    return (
      'The Vulkan loader libvulkan.so.1 was not found, so Dawn cannot use Vulkan at all. Install it ' +
      '(Debian/Ubuntu: apt-get install libvulkan1)' +
      (chromiumLoader ? ', or start node with LD_LIBRARY_PATH=/usr/lib/chromium to use the copy Chromium ships' : '') +
      '. Then, without a GPU, install chromium (it ships SwiftShader, a CPU Vulkan driver).'
    );
  }
  return (
    'Install a GPU driver with Vulkan support, or, on a machine without a GPU, install Debian\'s chromium ' +
    `package: it ships SwiftShader (${SWIFTSHADER_ICD}), a CPU Vulkan driver this adapter uses automatically ` +
    '(or set VK_ICD_FILENAMES to a driver manifest yourself). Training then runs slowly; prefer the wasm backend.'
  );
}
