// mmcheck align: where each alignment proposal puts a device mapping, and what touching it costs.
export { AlignInputError, format_size, hex, lowest_set_bit, parse_size } from './sizes.js';
export {
  device_file, device_pgoff, huge_leaf_fits, largest_fitting_leaf, leaf_sizes, offset_in_region, region_at, region_bar, type get_unmapped_area_fn, type mapping, type region,
} from './device.js';
export { POLICIES, POLICY_NAMES, vfio_pci_core_get_mapping_order, vfio_pfn_range, type PolicyName, type policy } from './policy.js';
export { EMPTY_LAYOUT, default_layout, given_layout, random_layouts, type layout_map, type layout_spec } from './layout.js';
export { build_world, type align_setup, type placement, type world } from './world.js';
export { count_analytic, sum_levels, type counts, type leaf_rule, type level_counts } from './analytic.js';
export { count_simulated } from './simulate.js';
export {
  AUTO_SIMULATE_LIMIT, analyze, check_setup, summarize, type Method, type align_options, type align_report, type congruence,
  type map_result, type policy_run, type policy_summary,
} from './analyze.js';
export { CASE_ARCHES, builtin_cases, run_cases, type align_case, type case_row, type cases_options } from './cases.js';
export {
  ALIGN_CASES_SCHEMA, ALIGN_SCHEMA, ALIGN_SCHEMA_VERSION, SHORT_NAMES, describe_arch, render_align_json, render_align_text, render_cases_json,
  render_cases_text, text_table,
} from './render.js';
export { align_chart_svg, cases_chart_svg } from './chart.js';
