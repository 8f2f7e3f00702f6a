// The landscape surface: colour by height through a perceptual colormap, anti-aliased
// iso-contours at even levels, an optional x–y grid, the clipped top hatched, lit as Bevy lights PBR.
// Mirrors src/core/colormap.rs (the colour bar and tests use the Rust twin).
//
// The mesh carries the shape only, as coarse as it allows (src/core/view/shape.rs); height
// and normal come per pixel from the field, a texel per grid node. Per vertex, the colour
// attribute carries where to read it: g, b = x and y as fractions of the domain.

#import bevy_pbr::{
    pbr_fragment::pbr_input_from_standard_material,
    pbr_functions::{alpha_discard, prepare_world_normal},
    pbr_types::STANDARD_MATERIAL_FLAGS_DOUBLE_SIDED_BIT,
}

#ifdef PREPASS_PIPELINE
#import bevy_pbr::{
    prepass_io::{VertexOutput, FragmentOutput},
    pbr_deferred_functions::deferred_output,
}
#else
#import bevy_pbr::{
    forward_io::{VertexOutput, FragmentOutput},
    pbr_functions::main_pass_post_lighting_processing,
    mesh_view_bindings as view_bindings,
    lighting::{D_GGX, V_SmithGGXCorrelated, F_Schlick_vec, perceptualRoughnessToRoughness},
}
#endif

struct Look {
    // 0 viridis, 1 magma, 2 turbo, 3 diverging (blue–white–red)
    colormap: u32,
    // Number of contour bands over the drawn range; 0 hides contours.
    contours: f32,
    // Grid spacing in landscape units (x, y); 0 hides the grid.
    grid_step: vec2<f32>,
    // Fraction where the diverging map is white (where f = 0, or the middle).
    center: f32,
    // 1 for the floor: dark, with the contours in colour.
    floor: f32,
    // Hatch lines per landscape unit over the clipped top.
    hatch: f32,
    _pad: f32,
    // The landscape's domain (xmin, ymin, width, height), where the basin map lies.
    domain: vec4<f32>,
    // 1 draws the basin map over the colormap.
    basins: f32,
    _pad2: vec3<f32>,
}

@group(#{MATERIAL_BIND_GROUP}) @binding(100)
var<uniform> look: Look;
// The basin map: a colour per start of a grid over the domain, row 0 at ymin.
@group(#{MATERIAL_BIND_GROUP}) @binding(101)
var basin_map: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(102)
var basin_sampler: sampler;
// Per grid node: (height fraction s, normal x, normal z, 1), or 0 in a hole; row 0 at ymin.
@group(#{MATERIAL_BIND_GROUP}) @binding(103)
var field: texture_2d<f32>;

// The field at `uv` (fractions of the domain): bilinear over the four nodes around it, a
// hole's nodes left out (the triangles beside a hole are drawn, their pixels still read).
fn field_at(uv: vec2<f32>) -> vec4<f32> {
    let size = vec2<i32>(textureDimensions(field));
    let at = clamp(uv, vec2(0.0), vec2(1.0)) * vec2<f32>(size - 1);
    let i = min(vec2<i32>(floor(at)), max(size - 2, vec2(0)));
    let t = at - vec2<f32>(i);
    let j = min(i + 1, size - 1);
    let a = textureLoad(field, i, 0);
    let b = textureLoad(field, vec2(j.x, i.y), 0);
    let c = textureLoad(field, vec2(i.x, j.y), 0);
    let d = textureLoad(field, j, 0);
    let w = vec4((1.0 - t.x) * (1.0 - t.y), t.x * (1.0 - t.y), (1.0 - t.x) * t.y, t.x * t.y)
        * vec4(a.w, b.w, c.w, d.w);
    let sum = w.x + w.y + w.z + w.w;
    return (w.x * a + w.y * b + w.z * c + w.w * d) / max(sum, 1e-6);
}

fn poly6(t: f32, c0: vec3<f32>, c1: vec3<f32>, c2: vec3<f32>, c3: vec3<f32>,
         c4: vec3<f32>, c5: vec3<f32>, c6: vec3<f32>) -> vec3<f32> {
    return c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6)))));
}

fn viridis(t: f32) -> vec3<f32> {
    return poly6(t,
        vec3(0.2777273272234177, 0.005407344544966578, 0.3340998053353061),
        vec3(0.1050930431085774, 1.404613529898575, 1.384590162594685),
        vec3(-0.3308618287255563, 0.214847559468213, 0.09509516302823659),
        vec3(-4.634230498983486, -5.799100973351585, -19.33244095627987),
        vec3(6.228269936347081, 14.17993336680509, 56.69055260068105),
        vec3(4.776384997670288, -13.74514537774601, -65.35303263337234),
        vec3(-5.435455855934631, 4.645852612178535, 26.3124352495832));
}

fn magma(t: f32) -> vec3<f32> {
    return poly6(t,
        vec3(-0.002136485053939582, -0.000749655052795221, -0.005386127855323933),
        vec3(0.2516605407371642, 0.6775232436837668, 2.494026599312351),
        vec3(8.353717279216625, -3.577719514958484, 0.3144679030132573),
        vec3(-27.66873308576866, 14.26473078096533, -13.64921318813922),
        vec3(52.17613981234068, -27.94360607168351, 12.94416944238394),
        vec3(-50.76852536473588, 29.04658282127291, 4.23415299384598),
        vec3(18.65570506591883, -11.48977351997711, -5.601961508734096));
}

fn turbo(t: f32) -> vec3<f32> {
    let v4 = vec4(1.0, t, t * t, t * t * t);
    let v2 = v4.zw * v4.z;
    return vec3(
        dot(v4, vec4(0.13572138, 4.61539260, -42.66032258, 132.13108234)) + dot(v2, vec2(-152.94239396, 59.28637943)),
        dot(v4, vec4(0.09140261, 2.19418839, 4.84296658, -14.18503333)) + dot(v2, vec2(4.27729857, 2.82956604)),
        dot(v4, vec4(0.10667330, 12.64194608, -60.58204836, 110.36276771)) + dot(v2, vec2(-89.90310912, 27.34824973)));
}

// Paul Tol's BuRd: safe for the common colour-vision deficiencies.
fn diverging(t: f32, center: f32) -> vec3<f32> {
    var stops = array<vec3<f32>, 9>(
        vec3(0.129, 0.400, 0.675), vec3(0.263, 0.576, 0.765), vec3(0.573, 0.773, 0.871),
        vec3(0.820, 0.898, 0.941), vec3(0.969, 0.969, 0.969), vec3(0.992, 0.859, 0.780),
        vec3(0.957, 0.647, 0.510), vec3(0.839, 0.376, 0.302), vec3(0.698, 0.094, 0.169));
    // Below the centre maps to the blue half, above to the red half.
    var u: f32;
    if t < center {
        u = 0.5 * t / max(center, 1e-6);
    } else {
        u = 0.5 + 0.5 * (t - center) / max(1.0 - center, 1e-6);
    }
    let x = clamp(u, 0.0, 1.0) * 8.0;
    let i = min(u32(floor(x)), 7u);
    return mix(stops[i], stops[i + 1u], x - f32(i));
}

fn colormap(t: f32) -> vec3<f32> {
    let s = clamp(t, 0.0, 1.0);
    switch look.colormap {
        case 1u: { return magma(s); }
        case 2u: { return turbo(s); }
        case 3u: { return diverging(s, look.center); }
        default: { return viridis(s); }
    }
}

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let c1 = clamp(c, vec3(0.0), vec3(1.0));
    return select(pow((c1 + 0.055) / 1.055, vec3(2.4)), c1 / 12.92, c1 <= vec3(0.04045));
}

// Coverage of a line at the integers of `v`, one pixel wide whatever the zoom.
fn line(v: f32, width: f32) -> f32 {
    let d = abs(fract(v - 0.5) - 0.5) / max(fwidth(v), 1e-6);
    return 1.0 - smoothstep(0.5 * width - 0.5, 0.5 * width + 0.5, d);
}

#ifndef PREPASS_PIPELINE
// Lit as Bevy's PBR lights a dielectric, with only what this scene has: its directional
// lights (Lambert diffuse and GGX specular) and the ambient light, at the camera's exposure.
// Bevy's whole lighting function (clusters, environment, shadows, transmission) cost more
// than half of a frame on a software renderer, for lights the scene does not have.
fn lit(base: vec3<f32>, N: vec3<f32>, V: vec3<f32>, perceptual_roughness: f32, reflectance: vec3<f32>) -> vec3<f32> {
    let roughness = perceptualRoughnessToRoughness(perceptual_roughness);
    let f0 = 0.16 * reflectance * reflectance;
    let NdotV = max(dot(N, V), 0.0001);
    var color = base * view_bindings::lights.ambient_color.rgb;
    for (var i = 0u; i < view_bindings::lights.n_directional_lights; i = i + 1u) {
        let light = &view_bindings::lights.directional_lights[i];
        let L = (*light).direction_to_light.xyz;
        let H = normalize(L + V);
        let NdotL = saturate(dot(N, L));
        let NdotH = saturate(dot(N, H));
        let LdotH = saturate(dot(L, H));
        let specular = D_GGX(roughness, NdotH) * V_SmithGGXCorrelated(roughness, NdotV, NdotL)
            * F_Schlick_vec(f0, 1.0, LdotH);
        color += (base * (1.0 / 3.14159265) + specular) * (*light).color.rgb * NdotL;
    }
    return color * view_bindings::view.exposure;
}
#endif

@fragment
fn fragment(
    in: VertexOutput,
    @builtin(front_facing) is_front: bool,
) -> FragmentOutput {
    var pbr_input = pbr_input_from_standard_material(in, is_front);
#ifdef VERTEX_COLORS
    let uv = in.color.gb;
    let here = field_at(uv);
    let s = here.x;
    let p = look.domain.xy + uv * look.domain.zw;
    if look.floor < 0.5 {
        // The normal of the full grid, not of the coarse triangle (the gradient's, exact).
        let n = vec3(here.y, sqrt(max(1.0 - here.y * here.y - here.z * here.z, 0.0)), here.z);
        let double_sided = (pbr_input.material.flags & STANDARD_MATERIAL_FLAGS_DOUBLE_SIDED_BIT) != 0u;
        pbr_input.world_normal = prepare_world_normal(n, double_sided, is_front);
        pbr_input.N = normalize(pbr_input.world_normal);
    }
    var rgb = colormap(s);
    if look.basins > 0.5 && look.floor < 0.5 {
        // Texture v runs down the image, whose first row is the domain's top (ymax).
        // The texture holds sRGB bytes read as linear numbers: the same 0..1 as colormap's.
        rgb = textureSample(basin_map, basin_sampler, clamp(vec2(uv.x, 1.0 - uv.y), vec2(0.0), vec2(1.0))).rgb;
    }
    var contour = 0.0;
    if look.contours > 0.0 {
        contour = line(s * look.contours, 1.3) * step(s, 1.0) * step(0.0, s);
    }
    if look.floor > 0.5 {
        // The floor: dark, with the same contours in the colours of their levels.
        rgb = mix(vec3(0.09, 0.10, 0.12), rgb, contour);
    } else {
        // Contours darken; where the surface is clipped, diagonal hatching shows the cut.
        rgb = mix(rgb, rgb * 0.25, 0.85 * contour);
        if s > 1.0 {
            let hatch = line((p.x + p.y) * look.hatch, 1.5);
            rgb = mix(vec3(0.55, 0.55, 0.58), vec3(0.95, 0.95, 0.95), hatch);
        }
    }
    if look.grid_step.x > 0.0 {
        let g = max(line(p.x / look.grid_step.x, 1.0), line(p.y / look.grid_step.y, 1.0));
        rgb = mix(rgb, vec3(1.0), 0.35 * g);
    }
    pbr_input.material.base_color = vec4(srgb_to_linear(rgb), 1.0);
#endif
    pbr_input.material.base_color = alpha_discard(pbr_input.material, pbr_input.material.base_color);

#ifdef PREPASS_PIPELINE
    let out = deferred_output(in, pbr_input);
#else
    var out: FragmentOutput;
    out.color = vec4(lit(pbr_input.material.base_color.rgb, pbr_input.N, pbr_input.V, pbr_input.material.perceptual_roughness, pbr_input.material.reflectance), 1.0);
    out.color = main_pass_post_lighting_processing(pbr_input, out.color);
#endif
    return out;
}
