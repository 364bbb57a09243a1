/**
 * @dogo/browser: the browser adapter. Produces a GPUDevice from navigator.gpu (requestBrowserGpuDevice);
 * Web Workers and OPFS access come later. Nothing above this package knows it runs in a browser.
 */
export { requestBrowserGpuDevice, type BrowserGpuDeviceOptions } from './webgpu_device.js';
export {
  NoAdapterError, AdapterLimitError, AdapterFeatureError, DeviceLostError, DeviceActivity, deviceActivity, requireLimits, describeAdapter,
  type GpuDeviceHandle, type GpuDeviceInfo, type GpuDeviceOptions,
} from '@dogo/backend-webgpu';
