# vmon img: the qemu-img compatible subcommand, linked into the vmon CLI.
VMON_IMG_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/img/*.c))
VMON_CLI_LDLIBS += -lz -lzstd -lpthread
MAN_PAGES += Documentation/man/vmon-img.1

$(B)/vmon: $(VMON_IMG_OBJS) $(B)/libqcow2.a
