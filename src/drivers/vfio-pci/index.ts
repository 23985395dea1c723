// VFIO-PCI: the device, its BAR mmaps and faults, and the mapping designs of the June 2026 thread.
export * from './device.js';
export * from './mmap.js';
export * from './designs.js';
