/** How this project launches a browser: Debian's Chromium (never a downloaded one), quiet, with WebGPU. Used by the e2e config and the browser bench. */

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const quietFlags = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** A WebGPU adapter headless, through SwiftShader (software; no shader-f16). */
export const webgpuFlags = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
