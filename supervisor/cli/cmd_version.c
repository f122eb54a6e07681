// SPDX-License-Identifier: GPL-2.0
/*
 * vmon version: the CLI's release and the loaded module's ABI version.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include <json-c/json.h>

#include <vmon/cli.h>
#include <vmon/ctl.h>

#define VMON_CLI_RELEASE "0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmon version [--output=human|json]\n"
		"\n"
		"Print the release of this vmon and the ABI version of the\n"
		"loaded vmon module (through %s).\n"
		"\n"
		"  --output=FMT  human (default) or json\n"
		"  -h, --help    this text\n",
		vmon_ctl_path());
}

static void print_json(const struct vmon_version *ver)
{
	json_object *o = json_object_new_object();
	json_object *m = json_object_new_object();

	json_object_object_add(o, "cli-release", json_object_new_string(VMON_CLI_RELEASE));
	json_object_object_add(m, "release", json_object_new_string(ver->release));
	json_object_object_add(m, "abi-major", json_object_new_int64(ver->major));
	json_object_object_add(m, "abi-minor", json_object_new_int64(ver->minor));
	json_object_object_add(m, "features", json_object_new_uint64(ver->features));
	json_object_object_add(o, "module", m);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

int vmon_cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum vmon_output out = VMON_OUTPUT_HUMAN;
	struct vmon_version ver;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (vmon_parse_output(optarg, &out))
				return VMON_EXIT_USAGE;
			break;
		default:
			return vmon_usage_exit(c, usage);
		}
	}
	if (vmon_no_more_args("version", argc, argv, optind, NULL))
		return VMON_EXIT_USAGE;

	fd = vmon_ctl_open();
	if (fd < 0) {
		vmon_err("cannot open %s: %s", vmon_ctl_path(), vmon_ctl_strerror(fd));
		return VMON_EXIT_FAIL;
	}
	ret = vmon_ctl_version(fd, &ver);
	close(fd);
	if (ret) {
		vmon_err("%s: VMON_GET_VERSION failed: %s", vmon_ctl_path(),
			 vmon_ctl_strerror(ret));
		return VMON_EXIT_FAIL;
	}

	if (out == VMON_OUTPUT_JSON) {
		print_json(&ver);
	} else {
		printf("vmon %s\n", VMON_CLI_RELEASE);
		printf("module: release %s, ABI %u.%u\n", ver.release, ver.major, ver.minor);
	}
	return VMON_EXIT_OK;
}
